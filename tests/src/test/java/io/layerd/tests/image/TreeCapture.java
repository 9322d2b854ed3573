package io.layerd.tests.image;

import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A mounted tree as comparable text, one line per path: type, mode, owner, size, content hash,
 * symlink target, device numbers, every xattr except overlayfs's own (read with getfattr), and
 * the other names of the same inode. Two trees are equal when their captures are.
 */
public final class TreeCapture {
    private TreeCapture() {
    }

    public static Map<String, String> of(Path root) throws IOException {
        Map<String, String> lines = new TreeMap<>();
        Map<Object, TreeSet<String>> inodes = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                record(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                record(file);
                return FileVisitResult.CONTINUE;
            }

            private void record(Path p) throws IOException {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty()) {
                    rel = ".";
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,dev,nlink,rdev", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                StringBuilder line = new StringBuilder();
                line.append(String.format("%06o uid=%s gid=%s", mode, a.get("uid"), a.get("gid")));
                if (Files.isSymbolicLink(p)) {
                    line.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    line.append(" size=").append(a.get("size")).append(" sha256=").append(sha256(p));
                    if (((Number) a.get("nlink")).longValue() > 1) {
                        inodes.computeIfAbsent(a.get("dev") + ":" + a.get("ino"), k -> new TreeSet<>()).add(rel);
                    }
                } else if ((mode & 0170000) == 0020000 || (mode & 0170000) == 0060000) {
                    line.append(" rdev=").append(a.get("rdev"));
                }
                line.append(xattrs(p));
                lines.put(rel, line.toString());
            }
        });
        for (TreeSet<String> names : inodes.values()) {
            for (String n : names) {
                lines.put(n, lines.get(n) + " links=" + names);
            }
        }
        return lines;
    }

    /** Lines that differ, for a failure message. */
    public static List<String> differences(Map<String, String> expected, Map<String, String> actual) {
        List<String> out = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>(expected.keySet());
        all.addAll(actual.keySet());
        for (String k : all) {
            String e = expected.get(k);
            String a = actual.get(k);
            if (e == null || !e.equals(a)) {
                out.add(k + "\n    expected: " + e + "\n    actual:   " + a);
            }
        }
        return out;
    }

    /**
     * One getfattr run per path: a single recursive run (-R) was tried and attributed xattrs of
     * overlay mounts differently from per-file runs, so the slower, per-file form is the reference.
     */
    private static String xattrs(Path p) {
        CommandResult r = Commands.run(Duration.ofSeconds(10), List.of("getfattr", "--absolute-names", "-h", "-d", "-m", "-", "-e", "hex",
                p.toString()));
        StringBuilder b = new StringBuilder();
        for (String l : r.stdout().split("\n")) {
            if (l.isBlank() || l.startsWith("#") || l.startsWith("trusted.overlay.")) {
                continue;
            }
            b.append(" xattr:").append(l.trim());
        }
        return b.toString();
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
