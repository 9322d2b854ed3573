package io.layerd.lcow.convert;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A source tree covering every entry type the LCOW writer must carry, built on disk so GNU tar
 * archives it exactly as a real layer would be archived.
 */
final class Corpus {
    /** Sizes of the heavy rows; the full acceptance sizes by default. */
    record Scale(int bigDirectoryEntries, int hardLinks, long sparseSize, int sparseExtents, long bigFileSize) {
        static final Scale ACCEPTANCE = new Scale(100_000, 65_000, 46L << 30, 1500, (128L << 20) + 1);
    }

    private Corpus() {
    }

    static void build(Path src, Scale scale) throws Exception {
        Files.createDirectories(src);
        Instant t = Instant.parse("2024-02-29T12:34:56.123456789Z");

        // regular files at block boundaries
        for (int size : new int[]{0, 1, 4095, 4096, 4097, 60, 61, 8192 * 3}) {
            write(src.resolve("sizes/file-" + size), pattern(size, size));
        }
        // zero blocks inside a non-sparse file become holes; content must not change
        byte[] zeros = new byte[5 * 4096];
        zeros[0] = 1;
        zeros[zeros.length - 1] = 2;
        write(src.resolve("sizes/zero-middle"), zeros);
        // multi-extent file: 128 MiB + 1 byte
        Path big = src.resolve("sizes/big");
        Files.createDirectories(big.getParent());
        try (var out = Files.newOutputStream(big)) {
            byte[] chunk = new byte[1 << 20];
            long left = scale.bigFileSize();
            for (int i = 0; left > 0; i++) {
                ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).putInt(0, i).putInt(4096, ~i);
                java.util.Arrays.fill(chunk, 8, 64, (byte) (i + 1));
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
        }
        // sparse file beyond 45 GiB with data in many separate extents
        Path sparse = src.resolve("sparse/huge");
        Files.createDirectories(sparse.getParent());
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(scale.sparseSize());
            long stride = scale.sparseSize() / (scale.sparseExtents() + 1) / 4096 * 4096;
            byte[] data = pattern(4096, 7);
            for (int i = 0; i < scale.sparseExtents(); i++) {
                data[0] = (byte) i;
                data[1] = (byte) (i >> 8);
                f.seek(stride * (i + 1));
                f.write(data);
            }
        }
        // names
        write(src.resolve("names/" + "n".repeat(255)), pattern(10, 1));
        write(src.resolve("names/" + "é".repeat(85) + "a".repeat(85)), pattern(10, 2)); // 255 bytes of UTF-8
        write(src.resolve("names/naïve-файл-文件-🙂"), pattern(10, 3));
        Path deep = src.resolve("deep");
        for (int i = 0; i < 60; i++) {
            deep = deep.resolve("level-" + i);
        }
        write(deep.resolve("bottom"), pattern(3, 4));
        // symlinks, fast and slow
        Files.createDirectories(src.resolve("links"));
        Files.createSymbolicLink(src.resolve("links/fast"), Path.of("../sizes/file-1"));
        Files.createSymbolicLink(src.resolve("links/slow"), Path.of("../" + "x/".repeat(60) + "target"));
        Files.createSymbolicLink(src.resolve("links/dangling"), Path.of("/nowhere"));
        // hard links: 65,000 names for one file, plus a small group
        Path linked = src.resolve("hard/original");
        write(linked, pattern(100, 5));
        Path linkDir = src.resolve("hard/many");
        Files.createDirectories(linkDir);
        for (int i = 1; i < scale.hardLinks(); i++) {
            Files.createLink(linkDir.resolve("l" + i), linked);
        }
        write(src.resolve("hard/pair-a"), pattern(5000, 6));
        Files.createLink(src.resolve("hard/pair-b"), src.resolve("hard/pair-a"));
        // devices and FIFOs
        Files.createDirectories(src.resolve("dev"));
        run("mknod", src.resolve("dev/null").toString(), "c", "1", "3");
        run("mknod", src.resolve("dev/wide").toString(), "c", "300", "70000");
        run("mknod", src.resolve("dev/disk").toString(), "b", "8", "1");
        run("mkfifo", src.resolve("dev/fifo").toString());
        // extended attributes in every namespace tar carries, binary values included
        Path x = src.resolve("xattrs/file");
        write(x, pattern(10, 8));
        Posix.setXattr(x, "user.comment", "hello".getBytes());
        Posix.setXattr(x, "user.binary", new byte[]{(byte) 0xff, 0, (byte) 0xfe, (byte) 0x80, 'A'});
        Posix.setXattr(x, "trusted.layerd", "t".getBytes());
        Posix.setXattr(x, "security.capability", capability());
        Path many = src.resolve("xattrs/block");
        write(many, new byte[0]);
        for (int i = 0; i < 12; i++) {
            Posix.setXattr(many, "user.attribute-" + i, ("value-" + i + "-" + "v".repeat(40)).getBytes());
        }
        Posix.setXattr(src.resolve("xattrs"), "user.on-directory", "d".getBytes());
        // a big directory (htree with two index levels)
        Path bigDir = src.resolve("bigdir");
        Files.createDirectories(bigDir);
        for (int i = 0; i < scale.bigDirectoryEntries(); i++) {
            Files.createFile(bigDir.resolve(String.format("entry-%06d-with-a-longer-name-for-more-blocks", i)));
        }
        // owners beyond 16 bits and odd modes
        Path owned = src.resolve("owners/high");
        write(owned, pattern(1, 9));
        run("chown", "100000:200000", owned.toString());
        Path setuid = src.resolve("owners/setuid");
        write(setuid, pattern(1, 9));
        run("chmod", "4755", setuid.toString());
        run("chmod", "1777", src.resolve("owners").toString());

        // nanosecond times everywhere (directories last, children first)
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(src)) {
            s.forEach(all::add);
        }
        java.util.Collections.reverse(all);
        int i = 0;
        for (Path p : all) {
            // Setting times opens the file: a FIFO would wait for a writer, so only files and directories.
            if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Files.setLastModifiedTime(p, FileTime.from(t.plusNanos(1_000_003L * i++)));
        }
    }

    /** A valid VFS_CAP_REVISION_2 value with permitted bits whose bytes are not UTF-8 (0xff). */
    static byte[] capability() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x02000001); // revision 2, effective
        b.putInt(0x0000ffff); // permitted, low word
        b.putInt(0);          // inheritable, low word
        b.putInt(0x000000ff); // permitted, high word
        b.putInt(0);
        return b.array();
    }

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + 1);
        }
        return b;
    }

    static void write(Path p, byte[] content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, content);
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
