package io.layerd.cimfs.nativeapi;

import java.io.IOException;
import java.util.OptionalInt;

/**
 * A CimFS function returned a failing HRESULT. Carries the HRESULT and, when it wraps a Win32
 * error ({@code HRESULT_FROM_WIN32}: facility 7, {@code 0x8007xxxx}), that error code, so callers
 * can react to e.g. ERROR_FILE_NOT_FOUND (2) or ERROR_SHARING_VIOLATION (32) without decoding.
 * The message names the function and what it was called on:
 * {@code CimCreateFile(Files\a.txt) failed: HRESULT 0x80070005 (Win32 error 5)}.
 */
public final class CimFsException extends IOException {
    public static final int S_OK = 0;
    public static final int S_FALSE = 1;

    private final String function;
    private final String subject;
    private final int hresult;

    public CimFsException(String function, String subject, int hresult) {
        super(message(function, subject, hresult));
        this.function = function;
        this.subject = subject;
        this.hresult = hresult;
    }

    /**
     * Returns {@code hresult} when it means success — any value ≥ 0 as a signed 32-bit number,
     * so S_OK and S_FALSE both — else throws.
     */
    public static int check(int hresult, String function, String subject) throws CimFsException {
        if (succeeded(hresult)) {
            return hresult;
        }
        throw new CimFsException(function, subject, hresult);
    }

    /** SUCCEEDED(hr): the severity bit is clear. */
    public static boolean succeeded(int hresult) {
        return hresult >= 0;
    }

    /** The Win32 error an {@code HRESULT_FROM_WIN32} value wraps ({@code hr & 0xFFFF}), if it is one. */
    public static OptionalInt win32Error(int hresult) {
        return (hresult & 0x1FFF0000) == 0x00070000 ? OptionalInt.of(hresult & 0xFFFF) : OptionalInt.empty();
    }

    static String message(String function, String subject, int hresult) {
        StringBuilder m = new StringBuilder(function).append('(').append(subject).append(") failed: HRESULT ")
                .append(String.format("0x%08X", hresult));
        win32Error(hresult).ifPresent(code -> m.append(" (Win32 error ").append(code).append(')'));
        return m.toString();
    }

    public String function() {
        return function;
    }

    /** The path, image or volume the call was about. */
    public String subject() {
        return subject;
    }

    public int hresult() {
        return hresult;
    }

    public OptionalInt win32Error() {
        return win32Error(hresult);
    }
}
