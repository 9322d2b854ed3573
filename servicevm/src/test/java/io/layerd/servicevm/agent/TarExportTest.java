package io.layerd.servicevm.agent;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** export_tar of a directory tree, read back with the project's tar reader. */
class TarExportTest {
    static final Instant MTIME = Instant.ofEpochSecond(1_650_000_000L, 987_654_321);
    /** A VFS_CAP_REVISION_2 capability set, as setcap writes it. */
    static final byte[] CAPABILITY = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static final byte[] BINARY = {0, 1, 2, '\n', '=', (byte) 0xff, 0};

    @TempDir
    Path dir;

    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);
    }

    /**
     * A tree with every kind of entry the agent archives: directories (one empty), a file with an
     * mtime to the nanosecond and a binary user xattr, its hard link, a 700 kB file, a symlink, a fifo.
     */
    static Path sampleTree(Path tree) throws Exception {
        Files.createDirectories(tree.resolve("etc/empty"));
        Files.writeString(tree.resolve("etc/hosts"), "127.0.0.1 localhost\n");
        Files.write(tree.resolve("big"), new byte[700_000]);
        Files.createLink(tree.resolve("etc/hosts.hard"), tree.resolve("etc/hosts"));
        Files.createSymbolicLink(tree.resolve("link"), Path.of("etc/hosts"));
        BlockDeviceOperationsTest.run("mkfifo", tree.resolve("fifo").toString());
        Files.setLastModifiedTime(tree.resolve("etc/hosts"), FileTime.from(MTIME));
        Files.getFileAttributeView(tree.resolve("etc/hosts"), UserDefinedFileAttributeView.class).write("layerd.test", ByteBuffer.wrap(BINARY));
        return tree;
    }

    @Test
    void exportsEveryKindOfEntryWithItsMetadata() throws Exception {
        Path tree = sampleTree(dir.resolve("mounts/m/layer"));
        boolean root = "0".equals(BlockDeviceOperationsTest.run("id", "-u").trim());
        if (root) {
            assertEquals(0, LibC.C.lsetxattr(tree.resolve("big").toString(), "security.capability", CAPABILITY, CAPABILITY.length, 0));
            BlockDeviceOperationsTest.run("mknod", tree.resolve("null").toString(), "c", "1", "3");
        }

        Map<String, TarEntry> entries = new LinkedHashMap<>();
        Map<String, byte[]> data = new LinkedHashMap<>();
        long reported;
        try (AgentFixture agent = AgentFixture.start(dir)) {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            reported = agent.client.call(Requests.exportTar("m", "layer").build(), AgentFixture.TIMEOUT, null, tar)
                    .getTransfer().getBytes();
            assertEquals(tar.size(), reported, "the response counts the bytes sent");
            read(tar.toByteArray(), entries, data);
        }

        List<String> expected = new ArrayList<>(List.of("big", "etc/", "etc/empty/", "etc/hosts", "etc/hosts.hard", "fifo", "link"));
        if (root) {
            expected.add("null");
        }
        assertEquals(expected, new ArrayList<>(entries.keySet()), "relative names in name order, depth first");

        TarEntry hosts = entries.get("etc/hosts");
        assertEquals(TarEntry.Type.FILE, hosts.type());
        assertEquals("127.0.0.1 localhost\n", new String(data.get("etc/hosts")));
        assertEquals(MTIME, hosts.mtime(), "mtime to the nanosecond");
        assertEquals(Files.getAttribute(tree.resolve("etc/hosts"), "unix:mode"), 0100000 | hosts.mode());
        assertArrayEquals(BINARY, hosts.xattrs().get("user.layerd.test"), "binary xattr value byte for byte");

        TarEntry hard = entries.get("etc/hosts.hard");
        assertEquals(TarEntry.Type.HARD_LINK, hard.type());
        assertEquals("etc/hosts", hard.linkName(), "the second name links to the first");

        assertEquals(700_000, data.get("big").length);
        assertEquals(TarEntry.Type.DIRECTORY, entries.get("etc/empty/").type());
        assertEquals(TarEntry.Type.SYMLINK, entries.get("link").type());
        assertEquals("etc/hosts", entries.get("link").linkName());
        assertEquals(TarEntry.Type.FIFO, entries.get("fifo").type());
        if (root) {
            assertArrayEquals(CAPABILITY, entries.get("big").xattrs().get("security.capability"), "security.* xattrs go along");
            TarEntry nul = entries.get("null");
            assertEquals(TarEntry.Type.CHAR_DEVICE, nul.type());
            assertEquals(1, nul.devMajor());
            assertEquals(3, nul.devMinor());
        }
    }

    @Test
    void theWholeMountCanBeExportedAndTheSameTreeGivesTheSameBytes() throws Exception {
        Path m = Files.createDirectories(dir.resolve("mounts/m"));
        Files.writeString(m.resolve("b"), "b");
        Files.writeString(m.resolve("a"), "a");
        try (AgentFixture agent = AgentFixture.start(dir)) {
            byte[] first = agent.download(Requests.exportTar("m", ""));
            byte[] second = agent.download(Requests.exportTar("m", "."));
            assertArrayEquals(first, second);
            Map<String, TarEntry> entries = new LinkedHashMap<>();
            read(first, entries, new LinkedHashMap<>());
            assertEquals(List.of("a", "b"), new ArrayList<>(entries.keySet()));
            agent.fails("ENOTDIR", Requests.exportTar("m", "a"));
            agent.fails("ENOENT", Requests.exportTar("m", "nothing"));
        }
    }

    static void read(byte[] tar, Map<String, TarEntry> entries, Map<String, byte[]> data) throws IOException {
        try (TarReader r = new TarReader(new ByteArrayInputStream(tar))) {
            for (TarEntry e; (e = r.next()) != null; ) {
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                byte[] buf = new byte[65536];
                for (int n; (n = r.read(buf, 0, buf.length)) > 0; ) {
                    content.write(buf, 0, n);
                }
                entries.put(e.name(), e);
                data.put(e.name(), content.toByteArray());
            }
        }
        assertTrue(tar.length % 512 == 0);
    }
}
