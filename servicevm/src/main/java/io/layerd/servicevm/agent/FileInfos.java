package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.FileInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

/** Everything lstat(2) says about a file, through the JDK's "unix" attribute view. */
final class FileInfos {
    /** The attributes read: those FileInfo and a tar entry need, without owner-name lookups. */
    static final String ATTRIBUTES = "unix:mode,uid,gid,nlink,size,lastModifiedTime,rdev,dev,ino";

    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    private FileInfos() {
    }

    /** lstat of {@code p}: a symlink is described, not followed. */
    static Map<String, Object> lstat(Path p) throws IOException {
        return Files.readAttributes(p, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }

    static FileInfo of(Path p, String name) throws IOException {
        Map<String, Object> a = lstat(p);
        int mode = (Integer) a.get("mode");
        FileInfo.Builder info = FileInfo.newBuilder()
                .setName(name)
                .setType(typeName(mode))
                .setMode(mode & 07777)
                .setUid((Integer) a.get("uid"))
                .setGid((Integer) a.get("gid"))
                .setSize((Long) a.get("size"))
                .setMtimeNanos(epochNanos(((FileTime) a.get("lastModifiedTime")).toInstant()))
                .setNlink((Integer) a.get("nlink"));
        if ((mode & S_IFMT) == S_IFLNK) {
            info.setLinkTarget(Files.readSymbolicLink(p).toString());
        }
        return info.build();
    }

    static String typeName(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG -> "file";
            case S_IFDIR -> "dir";
            case S_IFLNK -> "symlink";
            case S_IFCHR -> "char";
            case S_IFBLK -> "block";
            case S_IFIFO -> "fifo";
            case S_IFSOCK -> "socket";
            default -> "unknown";
        };
    }

    static long epochNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
