package io.layerd.core.fs;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Extended attributes of every namespace (user, trusted, security, system), which the JDK's
 * UserDefinedFileAttributeView cannot read: it sees user.* only. Read with llistxattr(2) and
 * lgetxattr(2), so a symlink's own attributes are read, not its target's.
 */
public final class LinuxXattrs {
    private static final int ERANGE = 34;
    private static final int ENODATA = 61;
    private static final int EOPNOTSUPP = 95;
    /** XATTR_LIST_MAX and XATTR_SIZE_MAX of Linux: nothing larger can exist. */
    private static final int MAX_BYTES = 64 << 10;

    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        long llistxattr(String path, byte[] list, long size);

        long lgetxattr(String path, String name, byte[] value, long size);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);
    }

    private LinuxXattrs() {
    }

    /**
     * Every attribute of {@code p} by name, values byte for byte; empty where the file system
     * has no extended attributes. Other failures are errors: an export must not silently lose
     * a capability or an ACL.
     */
    public static SortedMap<String, byte[]> read(Path p) throws IOException {
        SortedMap<String, byte[]> out = new TreeMap<>();
        String path = p.toString();
        byte[] names = call(path, null, "llistxattr");
        if (names == null) {
            return out;
        }
        int start = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] == 0) {
                if (i > start) {
                    String name = new String(names, start, i - start, StandardCharsets.UTF_8);
                    byte[] value = call(path, name, "lgetxattr");
                    if (value != null) {
                        out.put(name, value);
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Sets one attribute of {@code p} itself (a symlink's own, not its target's). */
    public static void write(Path p, String name, byte[] value) throws IOException {
        if (LibC.C.lsetxattr(p.toString(), name, value, value.length, 0) != 0) {
            throw new IOException("lsetxattr " + p + " " + name + ": errno " + Native.getLastError());
        }
    }

    /**
     * llistxattr ({@code name} null) or lgetxattr, asking for the size first and retrying when
     * the attribute grew in between (ERANGE). Null for ENOTSUP, and for ENODATA (removed since
     * listed).
     */
    private static byte[] call(String path, String name, String function) throws IOException {
        for (int attempt = 0; attempt < 8; attempt++) {
            long size = name == null ? LibC.C.llistxattr(path, null, 0) : LibC.C.lgetxattr(path, name, null, 0);
            if (size < 0) {
                return failure(path, name, function);
            }
            byte[] buffer = new byte[(int) Math.min(size, MAX_BYTES)];
            long n = name == null ? LibC.C.llistxattr(path, buffer, buffer.length) : LibC.C.lgetxattr(path, name, buffer, buffer.length);
            if (n >= 0) {
                return Arrays.copyOf(buffer, (int) n);
            }
            if (Native.getLastError() != ERANGE) {
                return failure(path, name, function);
            }
        }
        throw new IOException(function + " " + path + (name == null ? "" : " " + name) + ": the attributes keep changing");
    }

    private static byte[] failure(String path, String name, String function) throws IOException {
        int errno = Native.getLastError();
        if (errno == EOPNOTSUPP || errno == ENODATA) {
            return null;
        }
        throw new IOException(function + " " + path + (name == null ? "" : " " + name) + ": errno " + errno);
    }
}
