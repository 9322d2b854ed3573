package io.layerd.cimfs.nativeapi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The two kinds of path CimFS takes. An image-relative path ({@code Files\Windows\a.txt}) is
 * {@code \}-separated whatever the caller used, because the DLL knows no {@code /}; a trailing
 * {@code \} is trimmed (as hcsshim does) since it would name an empty last component. A host
 * path (the directory holding an image, a block CIM file) is the OS's own absolute form without
 * a trailing separator: on Windows that is already {@code \}-separated, and on Linux, where the
 * bindings are tested, the recorder library can then still use it.
 */
public final class NativePaths {
    private NativePaths() {
    }

    /** {@code a/b\c/} → {@code a\b\c}; a leading {@code \} is kept (the DLL accepts it). */
    public static String imagePath(String path) throws IOException {
        if (path.indexOf('\0') >= 0) {
            throw new IOException("\"" + path.replace('\0', '␀') + "\": a path cannot hold NUL");
        }
        String p = path.replace('/', '\\');
        int end = p.length();
        while (end > 0 && p.charAt(end - 1) == '\\') {
            end--;
        }
        return p.substring(0, end);
    }

    /** The absolute, normalized host path as the OS writes it (no trailing separator but a root's). */
    public static String hostPath(Path path) {
        return path.toAbsolutePath().normalize().toString();
    }
}
