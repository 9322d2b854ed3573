package io.layerd.core.fs;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The libc calls the JDK does not offer that this package needs; null INSTANCE where libc cannot be loaded. */
interface LibC extends Library {
    LibC INSTANCE = load();

    /** {@code struct stat} into a buffer (DiskUsage reads st_blocks from it). */
    int lstat(String path, byte[] statBuffer);

    int open(String path, int flags);

    /** With SEEK_DATA / SEEK_HOLE, the data regions of a sparse file. */
    long lseek(int fd, long offset, int whence);

    int close(int fd);

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    static boolean available() {
        return INSTANCE != null;
    }
}
