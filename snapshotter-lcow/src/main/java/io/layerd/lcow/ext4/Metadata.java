package io.layerd.lcow.ext4;

import java.util.Map;
import java.util.TreeMap;

/**
 * Ownership, permissions, times and extended attributes of one file. {@code permissions} holds
 * the low 12 mode bits (rwx, setuid, setgid, sticky); the type comes from the call that creates
 * the file.
 */
public record Metadata(int permissions, long uid, long gid, FileTime atime, FileTime mtime, FileTime ctime,
                       FileTime crtime, Map<String, byte[]> xattrs) {
    public Metadata {
        permissions &= 07777;
        atime = atime == null ? FileTime.ZERO : atime;
        mtime = mtime == null ? FileTime.ZERO : mtime;
        ctime = ctime == null ? FileTime.ZERO : ctime;
        crtime = crtime == null ? FileTime.ZERO : crtime;
        xattrs = xattrs == null || xattrs.isEmpty() ? Map.of() : new TreeMap<>(xattrs);
    }

    public static Metadata of(int permissions, long uid, long gid, FileTime mtime) {
        return new Metadata(permissions, uid, gid, mtime, mtime, mtime, mtime, Map.of());
    }

    /** Root-owned, zero times, no attributes: overlay whiteouts and implicit parents. */
    public static Metadata plain(int permissions) {
        return of(permissions, 0, 0, FileTime.ZERO);
    }
}
