package io.layerd.lcow.convert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Everything the acceptance compares about a file tree: per path its type, permission bits,
 * owner, size, content hash, symlink target, device number, extended attributes and mtime
 * (nanoseconds), plus which paths share an inode (hard-link identity).
 *
 * <p>Content hashes skip all-zero 4 KiB blocks and visit only the data regions SEEK_DATA
 * reports, so a 45 GiB sparse file hashes in milliseconds and holes versus written zeros do
 * not matter — only content does.
 */
record TreeSnapshot(Map<String, String> entries, Set<Set<String>> hardLinkGroups) {

    static TreeSnapshot of(Path root, Predicate<String> include) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        Map<Object, Set<String>> byInode = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = rel(root, dir);
                if (!include.test(rel)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                entries.put(rel, describe(dir, true));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = rel(root, file);
                if (include.test(rel)) {
                    entries.put(rel, describe(file, false));
                    Map<String, Object> unix = Files.readAttributes(file, "unix:ino,nlink", LinkOption.NOFOLLOW_LINKS);
                    if ((int) unix.get("nlink") > 1) {
                        byInode.computeIfAbsent(unix.get("ino"), k -> new TreeSet<>()).add(rel);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        Set<Set<String>> groups = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
        groups.addAll(byInode.values());
        return new TreeSnapshot(entries, groups);
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    private static String describe(Path p, boolean dir) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,rdev,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (int) a.get("mode");
        int type = mode & 0170000;
        StringBuilder b = new StringBuilder();
        b.append(switch (type) {
            case 0040000 -> "dir";
            case 0100000 -> "file";
            case 0120000 -> "symlink";
            case 0020000 -> "chr";
            case 0060000 -> "blk";
            case 0010000 -> "fifo";
            default -> "other" + Integer.toOctalString(type);
        });
        b.append(" mode=").append(Integer.toOctalString(mode & 07777));
        b.append(" uid=").append(a.get("uid")).append(" gid=").append(a.get("gid"));
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        if (type != 0120000) { // GNU tar does not restore symlink times by default
            b.append(" mtime=").append(mtime.toInstant());
        }
        if (type == 0100000) {
            long size = (long) a.get("size");
            b.append(" size=").append(size).append(" sha256=").append(contentHash(p, size));
        } else if (type == 0120000) {
            b.append(" target=").append(Files.readSymbolicLink(p));
        } else if (type == 0020000 || type == 0060000) {
            long rdev = (long) a.get("rdev");
            b.append(" dev=").append(major(rdev)).append(',').append(minor(rdev));
        }
        List<String> names = new ArrayList<>(Posix.listXattrs(p));
        names.sort(null);
        for (String n : names) {
            b.append(' ').append(n).append('=').append(HexFormat.of().formatHex(Posix.getXattr(p, n)));
        }
        return b.toString();
    }

    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }

    private static String contentHash(Path p, long size) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer block = ByteBuffer.allocate(1 << 20);
        byte[] zero = new byte[4096];
        try (FileChannel ch = FileChannel.open(p)) {
            long hashedUpTo = 0; // regions may share a block: hash each block once
            for (long[] region : Posix.dataRegions(p, size)) {
                long pos = Math.max(region[0] / 4096 * 4096, hashedUpTo);
                long end = Math.min(size, (region[1] + 4095) / 4096 * 4096);
                while (pos < end) {
                    block.clear().limit((int) Math.min(block.capacity(), end - pos));
                    int n = ch.read(block, pos);
                    if (n <= 0) {
                        break;
                    }
                    byte[] arr = block.array();
                    for (int off = 0; off < n; off += 4096) {
                        int len = Math.min(4096, n - off);
                        if (java.util.Arrays.mismatch(arr, off, off + len, zero, 0, len) >= 0) {
                            md.update(Long.toString((pos + off) / 4096).getBytes());
                            md.update(arr, off, len);
                        }
                    }
                    pos += n;
                }
                hashedUpTo = Math.max(hashedUpTo, pos);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
