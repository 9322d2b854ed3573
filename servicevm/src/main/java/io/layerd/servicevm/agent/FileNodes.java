package io.layerd.servicevm.agent;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.layerd.core.fs.DeviceNumbers;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The file system calls the JDK does not offer: device and fifo nodes (mknod(2)), and the owner
 * of a symlink itself (lchown(2)), and mode and times set without opening the file (chmod(2),
 * utimensat(2)): the JDK opens it, which blocks on a fifo until someone writes to it.
 */
final class FileNodes {
    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int mknod(String path, int mode, long dev);

        int lchown(String path, int uid, int gid);

        int chmod(String path, int mode);

        int utimensat(int dirfd, String path, long[] times, int flags);
    }

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private FileNodes() {
    }

    /** {@code type} is one of the S_IF* constants of {@link FileInfos}. */
    static void mknod(Path p, int type, int permissions, int major, int minor) throws IOException {
        if (LibC.C.mknod(p.toString(), type | (permissions & 07777), DeviceNumbers.makedev(major, minor)) != 0) {
            throw new IOException("mknod " + p + ": errno " + Native.getLastError());
        }
    }

    static void lchown(Path p, long uid, long gid) throws IOException {
        if (LibC.C.lchown(p.toString(), (int) uid, (int) gid) != 0) {
            throw new IOException("lchown " + p + " " + uid + ":" + gid + ": errno " + Native.getLastError());
        }
    }

    /** Permission bits of {@code p}, which is not a symlink (chmod follows them). */
    static void chmod(Path p, int mode) throws IOException {
        if (LibC.C.chmod(p.toString(), mode & 07777) != 0) {
            throw new IOException("chmod " + p + ": errno " + Native.getLastError());
        }
    }

    /** Sets the modification time of {@code p} itself (not a symlink's target); atime is left alone. */
    static void setModified(Path p, java.time.Instant mtime) throws IOException {
        long[] times = {0, UTIME_OMIT, mtime.getEpochSecond(), mtime.getNano()};
        if (LibC.C.utimensat(AT_FDCWD, p.toString(), times, AT_SYMLINK_NOFOLLOW) != 0) {
            throw new IOException("utimensat " + p + ": errno " + Native.getLastError());
        }
    }
}
