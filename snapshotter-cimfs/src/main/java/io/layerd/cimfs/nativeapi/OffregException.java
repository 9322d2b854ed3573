package io.layerd.cimfs.nativeapi;

import java.io.IOException;

/** An offline-registry function returned a Win32 error: {@code ORSaveHive(C:\l\Hives\SYSTEM_BASE) failed: Win32 error 183}. */
public final class OffregException extends IOException {
    private final String function;
    private final int win32Error;

    public OffregException(String function, String subject, int win32Error) {
        super(function + "(" + subject + ") failed: Win32 error " + Integer.toUnsignedString(win32Error));
        this.function = function;
        this.win32Error = win32Error;
    }

    /** Throws unless {@code error} is ERROR_SUCCESS. */
    public static void check(int error, String function, String subject) throws OffregException {
        if (error != 0) {
            throw new OffregException(function, subject, error);
        }
    }

    public String function() {
        return function;
    }

    public int win32Error() {
        return win32Error;
    }
}
