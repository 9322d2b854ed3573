package io.layerd.servicevm.agent;

import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarWriter;
import io.layerd.servicevm.bridge.BridgeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** extract_tar and rename: what `layerd snapshot cp-in` and `mv` do inside the VM. */
class TarExtractTest {
    @TempDir
    Path dir;

    private boolean root;

    @org.junit.jupiter.api.BeforeEach
    void whoAmI() throws Exception {
        root = "0".equals(BlockDeviceOperationsTest.run("id", "-u").trim());
    }

    @Test
    void anExportedTreeExtractedElsewhereExportsToTheSameEntries() throws Exception {
        Path tree = TarExportTest.sampleTree(dir.resolve("mounts/m/from"));
        Files.setAttribute(tree.resolve("etc/hosts"), "unix:mode", 04750);
        Files.setLastModifiedTime(tree.resolve("etc"), FileTime.from(TarExportTest.MTIME));
        if (root) {
            BlockDeviceOperationsTest.run("mknod", tree.resolve("null").toString(), "c", "1", "3");
            BlockDeviceOperationsTest.run("chown", "-h", "1234:5678", tree.resolve("link").toString());
            BlockDeviceOperationsTest.run("chown", "4321:8765", tree.resolve("etc/hosts").toString());
            BlockDeviceOperationsTest.run("chmod", "04750", tree.resolve("etc/hosts").toString()); // chown cleared setuid
        }
        Files.createDirectories(dir.resolve("mounts/m/to"));

        Map<String, TarEntry> original = new LinkedHashMap<>();
        Map<String, byte[]> originalData = new LinkedHashMap<>();
        Map<String, TarEntry> copy = new LinkedHashMap<>();
        Map<String, byte[]> copyData = new LinkedHashMap<>();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            byte[] tar = agent.download(Requests.exportTar("m", "from"));
            long read = agent.upload(Requests.extractTar("m", "to"), tar).getTransfer().getBytes();
            assertTrue(read > 0 && read <= tar.length, "bytes of tar read: " + read);
            TarExportTest.read(tar, original, originalData);
            TarExportTest.read(agent.download(Requests.exportTar("m", "to")), copy, copyData);
        }
        assertEquals(original.keySet(), copy.keySet());
        for (String name : original.keySet()) {
            TarEntry a = original.get(name);
            TarEntry b = copy.get(name);
            assertEquals(a.type(), b.type(), name);
            assertEquals(a.mode(), b.mode(), name + " mode");
            assertEquals(a.uid(), b.uid(), name + " uid");
            assertEquals(a.gid(), b.gid(), name + " gid");
            assertEquals(a.linkName(), b.linkName(), name + " link");
            assertEquals(a.devMajor(), b.devMajor(), name);
            assertEquals(a.devMinor(), b.devMinor(), name);
            assertEquals(a.xattrs().keySet(), b.xattrs().keySet(), name + " xattrs");
            assertArrayEquals(originalData.get(name), copyData.get(name), name + " data");
            if (a.type() == TarEntry.Type.FILE || a.type() == TarEntry.Type.DIRECTORY) {
                assertEquals(a.mtime(), b.mtime(), name + " mtime");
            }
        }
        assertArrayEquals(TarExportTest.BINARY, copy.get("etc/hosts").xattrs().get("user.layerd.test"));
        assertEquals(04750, copy.get("etc/hosts").mode(), "setuid survives the owner change");
        if (root) {
            assertEquals(4321, copy.get("etc/hosts").uid());
            assertEquals(1234, copy.get("link").uid(), "a symlink's own owner");
        }
        Path to = dir.resolve("mounts/m/to");
        assertEquals(Files.getAttribute(to.resolve("etc/hosts"), "unix:ino"), Files.getAttribute(to.resolve("etc/hosts.hard"), "unix:ino"),
                "the hard link is one inode again");
    }

    @Test
    void entriesReplaceWhatIsInTheirWayAndDirectoriesMerge() throws Exception {
        Path m = Files.createDirectories(dir.resolve("mounts/m"));
        Files.createDirectories(m.resolve("was-dir/deep"));
        Files.writeString(m.resolve("was-dir/deep/file"), "old");
        Files.writeString(m.resolve("was-file"), "old");
        Files.createDirectories(m.resolve("kept"));
        Files.writeString(m.resolve("kept/old"), "old");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(out);
        byte[] text = "new\n".getBytes(StandardCharsets.UTF_8);
        tar.putFile(TarWriter.Entry.file("was-dir", text.length).withMode(0600), new ByteArrayInputStream(text));
        tar.putEntry(TarWriter.Entry.directory("was-file").withMode(0700));
        tar.putEntry(TarWriter.Entry.directory("kept").withMode(0711));
        tar.putFile(TarWriter.Entry.file("kept/new", text.length), new ByteArrayInputStream(text));
        tar.putFile(TarWriter.Entry.file("made/on/the/way", text.length), new ByteArrayInputStream(text));
        tar.finish();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.upload(Requests.extractTar("m", ""), out.toByteArray());
        }
        assertEquals("new\n", Files.readString(m.resolve("was-dir")), "a file replaces a directory tree");
        assertTrue(Files.isDirectory(m.resolve("was-file"), LinkOption.NOFOLLOW_LINKS), "a directory replaces a file");
        assertEquals("old", Files.readString(m.resolve("kept/old")), "a directory entry merges into the directory");
        assertEquals("new\n", Files.readString(m.resolve("kept/new")));
        assertEquals(0711, (Integer) Files.getAttribute(m.resolve("kept"), "unix:mode") & 07777);
        assertEquals("new\n", Files.readString(m.resolve("made/on/the/way")));
    }

    @Test
    void namesLeavingTheDirectoryAreRefusedAndWriteNothingOutside() throws Exception {
        Path m = Files.createDirectories(dir.resolve("mounts/m/in"));
        Files.createSymbolicLink(m.resolve("out"), dir);
        for (String evil : new String[]{"../escaped", "a/../../escaped", "out/escaped"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TarWriter tar = new TarWriter(out);
            tar.putFile(TarWriter.Entry.file(evil, 1), new ByteArrayInputStream(new byte[]{'x'}));
            tar.finish();
            try (AgentFixture agent = AgentFixture.start(dir)) {
                BridgeException e = org.junit.jupiter.api.Assertions.assertThrows(BridgeException.class,
                        () -> agent.upload(Requests.extractTar("m", "in"), out.toByteArray()));
                assertEquals("EACCES", e.code(), evil + ": " + e.getMessage());
            }
            assertFalse(Files.exists(dir.resolve("escaped")), evil);
            assertFalse(Files.exists(dir.resolve("mounts/m/escaped")), evil);
        }
    }

    @Test
    void extractingIntoAFileOrNowhereIsRefused() throws Exception {
        Path m = Files.createDirectories(dir.resolve("mounts/m"));
        Files.writeString(m.resolve("file"), "x");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TarWriter(out).finish();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            BridgeException e = org.junit.jupiter.api.Assertions.assertThrows(BridgeException.class,
                    () -> agent.upload(Requests.extractTar("m", "file"), out.toByteArray()));
            assertEquals("ENOTDIR", e.code(), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(BridgeException.class,
                    () -> agent.upload(Requests.extractTar("m", "missing"), out.toByteArray()));
            assertEquals("ENOENT", e.code(), e.getMessage());
        }
    }

    @Test
    void renameMovesReplacesFilesAndRefusesTheMountAndFullDirectories() throws Exception {
        Path m = Files.createDirectories(dir.resolve("mounts/m"));
        Files.writeString(m.resolve("a"), "a");
        Files.writeString(m.resolve("b"), "b");
        Files.createDirectories(m.resolve("full/x"));
        Files.createDirectories(m.resolve("d"));
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.call(Requests.rename("m", "a", "d/moved"));
            assertEquals("a", Files.readString(m.resolve("d/moved")));
            assertFalse(Files.exists(m.resolve("a")));
            agent.call(Requests.rename("m", "d/moved", "b"));
            assertEquals("a", Files.readString(m.resolve("b")), "replaces a file");
            agent.fails("ENOTEMPTY", Requests.rename("m", "d", "full"));
            agent.fails("EBUSY", Requests.rename("m", "", "elsewhere"));
            agent.fails("ENOENT", Requests.rename("m", "gone", "x"));
            agent.fails("EACCES", Requests.rename("m", "b", "../b"));
        }
    }
}
