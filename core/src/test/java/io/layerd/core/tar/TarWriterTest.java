package io.layerd.core.tar;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Archives written by {@link TarWriter} read back exactly by {@link TarReader} (a boundary table
 * of named rows), and extracted by GNU tar into the same files, owners, times, devices, links
 * and extended attributes.
 */
class TarWriterTest {
    static final Instant MTIME_NS = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
    /** A VFS_CAP_REVISION_2 capability set (cap_net_bind_service, effective), as setcap writes it. */
    static final byte[] CAPABILITY = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static final byte[] EVERY_BYTE = everyByte();
    /** 300 bytes in components a file system accepts (at most 255 bytes each). */
    static final String NAME_300 = "d/" + ("component-".repeat(5) + "/").repeat(5) + "x".repeat(43);

    /** One row: an entry and, for a regular file, its data. */
    record Row(String label, TarWriter.Entry entry, byte[] data) {
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("dir", TarWriter.Entry.directory("d").withMode(0750).withOwner(1000, 1001).withMtime(MTIME_NS), null));
        rows.add(new Row("dir_sticky", TarWriter.Entry.directory("d/tmp").withMode(01777), null));
        rows.add(file("file_empty", "d/empty", 0));
        rows.add(file("file_511", "d/f511", 511));
        rows.add(file("file_512", "d/f512", 512));
        rows.add(file("file_513", "d/f513", 513));
        rows.add(file("name_100_bytes", "d/" + "n".repeat(98), 3));
        rows.add(file("name_101_bytes", "d/" + "n".repeat(99), 3));
        rows.add(file("name_300_bytes", NAME_300, 7));
        rows.add(file("name_non_ascii", "d/grüße-文件", 5));
        rows.add(new Row("setuid_owner_names", TarWriter.Entry.file("d/suid", 4).withMode(04755).withOwner(0, 0)
                .withOwnerNames("root", "root").withMtime(Instant.ofEpochSecond(1_600_000_000L)), bytes(4)));
        rows.add(new Row("owner_names_long", TarWriter.Entry.file("d/names", 1).withOwnerNames("u".repeat(40), "gruppe-ä"),
                bytes(1)));
        rows.add(new Row("uid_beyond_octal", TarWriter.Entry.file("d/bigid", 1).withOwner(1L << 24, 4_000_000_000L), bytes(1)));
        rows.add(new Row("mtime_ns", TarWriter.Entry.file("d/ns", 2).withMtime(MTIME_NS), bytes(2)));
        rows.add(new Row("mtime_before_1970", TarWriter.Entry.file("d/old", 2).withMtime(Instant.ofEpochSecond(-2, 500_000_000)),
                bytes(2)));
        rows.add(new Row("mtime_after_2242", TarWriter.Entry.file("d/future", 2).withMtime(Instant.parse("2300-01-01T00:00:00Z")),
                bytes(2)));
        rows.add(new Row("xattrs_binary", TarWriter.Entry.file("d/caps", 6).withMode(0755)
                .withXattrs(Map.of("security.capability", CAPABILITY, "user.every", EVERY_BYTE, "user.empty_line", "a\nb=c".getBytes(StandardCharsets.UTF_8))),
                bytes(6)));
        rows.add(new Row("symlink", TarWriter.Entry.symlink("d/link", "f511"), null));
        rows.add(new Row("symlink_long_target", TarWriter.Entry.symlink("d/longlink", "../" + "t".repeat(200)), null));
        rows.add(new Row("hard_link", TarWriter.Entry.hardLink("d/hard", "d/f513"), null));
        rows.add(new Row("hard_link_long_target", TarWriter.Entry.hardLink("d/hard2", NAME_300), null));
        rows.add(new Row("char_device", TarWriter.Entry.charDevice("d/null", 1, 3).withMode(0666), null));
        rows.add(new Row("block_device_big_numbers", TarWriter.Entry.blockDevice("d/blk", 259, 1_048_575).withMode(0660), null));
        rows.add(new Row("fifo", TarWriter.Entry.fifo("d/fifo").withMode(0600), null));
        return rows;
    }

    static Row file(String label, String name, int size) {
        return new Row(label, TarWriter.Entry.file(name, size).withMode(0640).withOwner(1000, 1000), bytes(size));
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + n);
        }
        return b;
    }

    static byte[] everyByte() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    static byte[] archive(List<Row> rows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out)) {
            for (Row r : rows) {
                if (r.data() != null) {
                    w.putFile(r.entry(), new ByteArrayInputStream(r.data()));
                } else {
                    w.putEntry(r.entry());
                }
            }
        }
        return out.toByteArray();
    }

    static Map<String, Object[]> readBack(byte[] tar) throws IOException {
        Map<String, Object[]> entries = new LinkedHashMap<>();
        try (TarReader r = new TarReader(new ByteArrayInputStream(tar))) {
            for (TarEntry e; (e = r.next()) != null; ) {
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                byte[] buf = new byte[4096];
                for (int n; (n = r.read(buf, 0, buf.length)) > 0; ) {
                    data.write(buf, 0, n);
                }
                entries.put(e.name(), new Object[]{e, data.toByteArray()});
            }
        }
        return entries;
    }

    @Test
    void everyRowReadsBackExactly() throws IOException {
        List<Row> rows = rows();
        byte[] tar = archive(rows);
        assertEquals(0, tar.length % 512, "whole blocks");
        assertArrayEquals(new byte[1024], Arrays.copyOfRange(tar, tar.length - 1024, tar.length), "two zero blocks end it");
        Map<String, Object[]> read = readBack(tar);
        assertEquals(rows.size(), read.size(), read.keySet().toString());
        for (Row row : rows) {
            TarWriter.Entry want = row.entry();
            String name = want.type() == TarEntry.Type.DIRECTORY ? want.name() + "/" : want.name();
            Object[] got = read.get(name);
            assertNotNull(got, row.label() + ": " + name + " missing from " + read.keySet());
            TarEntry e = (TarEntry) got[0];
            String at = row.label() + ": ";
            assertEquals(want.type(), e.type(), at + "type");
            assertEquals(want.size(), e.size(), at + "size");
            assertEquals(want.mode(), e.mode(), at + "mode");
            assertEquals(want.uid(), e.uid(), at + "uid");
            assertEquals(want.gid(), e.gid(), at + "gid");
            assertEquals(want.mtime(), e.mtime(), at + "mtime");
            assertEquals(want.linkName(), e.linkName(), at + "link name");
            assertEquals(want.devMajor(), e.devMajor(), at + "major");
            assertEquals(want.devMinor(), e.devMinor(), at + "minor");
            assertEquals(want.xattrs().keySet(), e.xattrs().keySet(), at + "xattr names");
            for (String x : want.xattrs().keySet()) {
                assertArrayEquals(want.xattrs().get(x), e.xattrs().get(x), at + "xattr " + x);
            }
            assertArrayEquals(row.data() == null ? new byte[0] : row.data(), (byte[]) got[1], at + "data");
        }
        TarEntry names = (TarEntry) read.get("d/names")[0];
        assertEquals("u".repeat(40), names.paxText("uname"), "a user name over 31 bytes goes to PAX");
        assertEquals("gruppe-ä", names.paxText("gname"), "a non-ASCII group name goes to PAX");
    }

    @Test
    void sameEntriesGiveSameBytes() throws IOException {
        assertArrayEquals(archive(rows()), archive(rows()));
    }

    @Test
    void sizeBeyondOctalGoesToPax() throws IOException {
        long tenGiB = 10L << 30;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out);
        w.putEntry(TarWriter.Entry.file("big", tenGiB));
        // Only the headers are needed: the reader returns an entry before touching its data.
        try (TarReader r = new TarReader(new ByteArrayInputStream(out.toByteArray()))) {
            TarEntry e = r.next();
            assertEquals("big", e.name());
            assertEquals(tenGiB, e.size());
            assertEquals(Long.toString(tenGiB), e.paxText("size"));
        }
    }

    @Test
    void dataMustMatchTheDeclaredSize() throws IOException {
        TarWriter shortWriter = new TarWriter(OutputStream.nullOutputStream());
        shortWriter.putEntry(TarWriter.Entry.file("short", 10));
        shortWriter.write(new byte[4], 0, 4);
        IOException tooFew = assertThrows(IOException.class, () -> shortWriter.putEntry(TarWriter.Entry.file("next", 0)));
        assertTrue(tooFew.getMessage().contains("declared 10 bytes but only 4"), tooFew.getMessage());
        assertThrows(IOException.class, shortWriter::finish);

        TarWriter longWriter = new TarWriter(OutputStream.nullOutputStream());
        longWriter.putEntry(TarWriter.Entry.file("long", 2));
        assertThrows(IOException.class, () -> longWriter.write(new byte[3], 0, 3));

        TarWriter streamWriter = new TarWriter(OutputStream.nullOutputStream());
        IOException ended = assertThrows(IOException.class,
                () -> streamWriter.putFile(TarWriter.Entry.file("cut", 100), new ByteArrayInputStream(new byte[40])));
        assertTrue(ended.getMessage().contains("after 40 of 100 bytes"), ended.getMessage());
    }

    @Test
    void refusesWhatPaxCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> TarWriter.Entry.file("x", 0).withXattrs(Map.of("user.a=b", new byte[1])));
        assertThrows(IllegalArgumentException.class, () -> TarWriter.Entry.file("x\0y", 0));
        assertThrows(IllegalArgumentException.class, () -> TarWriter.Entry.symlink("x", ""));
    }

    /** GNU tar, as root, extracts the archive into exactly what the entries describe. */
    @Test
    void gnuTarExtractsWhatWasWritten(@TempDir Path dir) throws Exception {
        assumeTrue(isRoot(), "restoring owners, devices and security.* attributes needs root");
        assumeTrue(run(dir, "tar", "--version").startsWith("tar (GNU tar)"), "GNU tar is needed: apt-get install tar");
        List<Row> rows = rows();
        Path tar = dir.resolve("w.tar");
        Files.write(tar, archive(rows));
        Path out = Files.createDirectory(dir.resolve("x"));
        run(dir, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", tar.toString(), "-C", out.toString());

        for (Row row : rows) {
            TarWriter.Entry want = row.entry();
            Path p = out.resolve(want.name());
            String at = row.label() + ": ";
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,rdev,lastModifiedTime,size", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int fileType = mode & 0170000;
            switch (want.type()) {
                case FILE -> {
                    assertEquals(0100000, fileType, at + "regular file");
                    assertArrayEquals(row.data(), Files.readAllBytes(p), at + "data");
                }
                case DIRECTORY -> assertEquals(0040000, fileType, at + "directory");
                case SYMLINK -> assertEquals(want.linkName(), Files.readSymbolicLink(p).toString(), at + "symlink target");
                case HARD_LINK -> assertEquals(Files.getAttribute(out.resolve(want.linkName()), "unix:ino"), a.get("ino"),
                        at + "same inode as " + want.linkName());
                case CHAR_DEVICE, BLOCK_DEVICE -> {
                    assertEquals(want.type() == TarEntry.Type.CHAR_DEVICE ? 0020000 : 0060000, fileType, at + "device type");
                    long rdev = (Long) a.get("rdev");
                    assertEquals(want.devMajor(), major(rdev), at + "major");
                    assertEquals(want.devMinor(), minor(rdev), at + "minor");
                }
                case FIFO -> assertEquals(0010000, fileType, at + "fifo");
                default -> throw new AssertionError(want.type());
            }
            if (want.type() == TarEntry.Type.HARD_LINK || want.type() == TarEntry.Type.SYMLINK) {
                continue; // a hard link shares its target's metadata; a symlink's mode is always 0777
            }
            assertEquals(want.mode(), mode & 07777, at + "mode");
            assertEquals(want.uid(), ((Integer) a.get("uid")) & 0xffffffffL, at + "uid");
            assertEquals(want.gid(), ((Integer) a.get("gid")) & 0xffffffffL, at + "gid");
            assertEquals(want.mtime(), ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toInstant(), at + "mtime");
        }

        Path caps = out.resolve("d/caps");
        UserDefinedFileAttributeView user = Files.getFileAttributeView(caps, UserDefinedFileAttributeView.class);
        assertArrayEquals(EVERY_BYTE, readUserXattr(user, "every"), "user.every, every byte value");
        assertArrayEquals(CAPABILITY, lgetxattr(caps, "security.capability"), "security.capability, binary");
    }

    static byte[] readUserXattr(UserDefinedFileAttributeView view, String name) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(view.size(name));
        view.read(name, buf);
        return buf.array();
    }

    /** The one libc call the JDK lacks here: reading an attribute outside the user.* namespace. */
    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        long lgetxattr(String path, String name, byte[] value, long size);
    }

    static byte[] lgetxattr(Path p, String name) throws IOException {
        byte[] buf = new byte[4096];
        long n = LibC.C.lgetxattr(p.toString(), name, buf, buf.length);
        if (n < 0) {
            throw new IOException("lgetxattr " + p + " " + name + ": errno " + Native.getLastError());
        }
        return Arrays.copyOf(buf, (int) n);
    }

    /** glibc's gnu_dev_major/minor: the 64-bit dev_t keeps the low 20 bits of minor and 12 of major apart. */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }

    static boolean isRoot() {
        try {
            return "0".equals(run(Path.of("/"), "id", "-u").trim());
        } catch (Exception e) {
            return false;
        }
    }

    static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
        return out;
    }
}
