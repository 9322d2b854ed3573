package io.layerd.lcow.convert;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The few libc calls the tests need that the JDK lacks: all xattr namespaces, and SEEK_DATA/SEEK_HOLE. */
final class Posix {
    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        long llistxattr(String path, byte[] list, long size);

        long lgetxattr(String path, String name, byte[] value, long size);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);

        int open(String path, int flags);

        long lseek(int fd, long offset, int whence);

        int close(int fd);
    }

    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    private Posix() {
    }

    static List<String> listXattrs(Path p) throws IOException {
        byte[] buf = new byte[65536];
        long n = LibC.C.llistxattr(p.toString(), buf, buf.length);
        if (n < 0) {
            throw new IOException("llistxattr " + p + ": errno " + Native.getLastError());
        }
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == 0) {
                names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return names;
    }

    static byte[] getXattr(Path p, String name) throws IOException {
        byte[] buf = new byte[65536];
        long n = LibC.C.lgetxattr(p.toString(), name, buf, buf.length);
        if (n < 0) {
            throw new IOException("lgetxattr " + p + " " + name + ": errno " + Native.getLastError());
        }
        return java.util.Arrays.copyOf(buf, (int) n);
    }

    static void setXattr(Path p, String name, byte[] value) throws IOException {
        if (LibC.C.lsetxattr(p.toString(), name, value, value.length, 0) != 0) {
            throw new IOException("lsetxattr " + p + " " + name + ": errno " + Native.getLastError());
        }
    }

    /** Data regions of a file as [start, end) pairs, found with SEEK_DATA/SEEK_HOLE. */
    static List<long[]> dataRegions(Path p, long size) throws IOException {
        int fd = LibC.C.open(p.toString(), 0);
        if (fd < 0) {
            throw new IOException("open " + p + ": errno " + Native.getLastError());
        }
        try {
            List<long[]> regions = new ArrayList<>();
            long pos = 0;
            while (pos < size) {
                long data = LibC.C.lseek(fd, pos, SEEK_DATA);
                if (data < 0) {
                    break; // ENXIO: no more data
                }
                long hole = LibC.C.lseek(fd, data, SEEK_HOLE);
                regions.add(new long[]{data, hole});
                pos = hole;
            }
            return regions;
        } finally {
            LibC.C.close(fd);
        }
    }
}
