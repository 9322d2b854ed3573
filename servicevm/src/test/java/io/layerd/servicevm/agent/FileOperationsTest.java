package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.FileInfo;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.servicevm.bridge.BridgeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File requests under a mount. A mount is a directory under the mount root, so these tests
 * make plain directories there and need no root; what escapes the mount must be refused
 * whichever way it tries.
 */
class FileOperationsTest {
    @TempDir
    Path dir;
    Path mount;
    Path outside;

    @BeforeEach
    void layout() throws Exception {
        mount = Files.createDirectories(dir.resolve("mounts/m"));
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "not yours");
        Files.createDirectories(mount.resolve("sub"));
        Files.writeString(mount.resolve("sub/inside"), "yours");
        Files.createSymbolicLink(mount.resolve("out"), outside);
        Files.createSymbolicLink(mount.resolve("up"), Path.of("../.."));
        Files.createSymbolicLink(mount.resolve("in"), Path.of("sub"));
        Files.createSymbolicLink(mount.resolve("abs-secret"), outside.resolve("secret"));
    }

    @Test
    void pathsThatLeaveTheMountAreRefused() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            assertTrue(agent.fails("EACCES", Requests.stat("m", "../outside/secret")).getMessage().contains("escapes the mount"));
            assertTrue(agent.fails("EINVAL", Requests.stat("m", "/etc/passwd")).getMessage().contains("escapes the mount"));
            agent.fails("EACCES", Requests.stat("m", "sub/../../outside"));
            agent.fails("EACCES", Requests.readFile("m", "out/secret"));
            agent.fails("EACCES", Requests.readFile("m", "up/outside/secret"));
            agent.fails("EACCES", Requests.writeFile("m", "out/planted", 0644, 1));
            agent.fails("EACCES", Requests.mkdir("m", "out/new", 0755, true));
            agent.fails("EACCES", Requests.remove("m", "out/secret", false));
            agent.fails("EACCES", Requests.list("m", "up/outside"));
            agent.fails("EACCES", Requests.exportTar("m", "up/outside"));
            assertTrue(Files.exists(outside.resolve("secret")));
            assertFalse(Files.exists(outside.resolve("planted")));
        }
    }

    @Test
    void theLastComponentIsNeverFollowed() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            FileInfo link = agent.call(Requests.stat("m", "abs-secret")).getStat();
            assertEquals("symlink", link.getType());
            assertEquals(outside.resolve("secret").toString(), link.getLinkTarget());
            agent.fails("EINVAL", Requests.readFile("m", "abs-secret")); // a symlink is not a regular file
            agent.fails("ENOTDIR", Requests.list("m", "out"));

            // Replacing a symlink replaces the link itself, not the file outside.
            agent.upload(Requests.writeFile("m", "abs-secret", 0600, 3), "new".getBytes());
            assertEquals("not yours", Files.readString(outside.resolve("secret")));
            assertEquals("new", Files.readString(mount.resolve("abs-secret")));

            agent.call(Requests.remove("m", "out", false));
            assertTrue(Files.isDirectory(outside), "removing the link leaves its target");
            assertEquals("yours", new String(agent.download(Requests.readFile("m", "in/inside"))), "a link inside the mount is fine");
        }
    }

    @Test
    void mountsMustExistAndHaveGoodNames() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.fails("ENOENT", Requests.stat("nothing", ""));
            agent.fails("EINVAL", Requests.stat("..", ""));
            agent.fails("EINVAL", Requests.stat("a/b", ""));
            agent.fails("ENOENT", Requests.stat("m", "missing"));
            agent.fails("ENOENT", Requests.stat("m", "missing/deeper"));
        }
    }

    @Test
    void writeThenReadThreeMebibytes() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(42).nextBytes(data);
        try (AgentFixture agent = AgentFixture.start(dir)) {
            Response written = agent.upload(Requests.writeFile("m", "sub/blob", 0640, data.length), data);
            assertEquals(data.length, written.getTransfer().getBytes());
            assertArrayEquals(data, agent.download(Requests.readFile("m", "sub/blob")));
            FileInfo info = agent.call(Requests.stat("m", "sub/blob")).getStat();
            assertEquals("file", info.getType());
            assertEquals(0640, info.getMode(), "the mode asked for, whatever the umask");
            assertEquals(data.length, info.getSize());
            assertEquals(List.of("blob", "inside"), listNames(agent, "sub"), "no temporary file is left behind");
        }
    }

    @Test
    void writeFileTakesExactlyTheAnnouncedSize() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            BridgeException shorter = assertThrowsBridge(() -> agent.upload(Requests.writeFile("m", "f", 0644, 10), new byte[4]));
            assertEquals("EINVAL", shorter.code());
            assertTrue(shorter.getMessage().contains("ended after 4 of the 10 bytes"), shorter.getMessage());
            BridgeException longer = assertThrowsBridge(() -> agent.upload(Requests.writeFile("m", "f", 0644, 10), new byte[12]));
            assertEquals("EINVAL", longer.code());
            assertFalse(Files.exists(mount.resolve("f")), "a failed write leaves nothing");
            assertEquals(List.of("abs-secret", "in", "out", "sub", "up"), listNames(agent, ""), "nor a temporary file");
            agent.fails("EISDIR", Requests.writeFile("m", "sub", 0644, 0));
        }
    }

    @Test
    void replacingAFileKeepsItsModeUnlessAnotherIsGiven() throws Exception {
        Files.writeString(mount.resolve("conf"), "old");
        Files.setPosixFilePermissions(mount.resolve("conf"), PosixFilePermissions.fromString("rwx------"));
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.upload(Requests.writeFile("m", "conf", 0, 3), "new".getBytes());
            assertEquals("new", Files.readString(mount.resolve("conf")));
            assertEquals(0700, agent.call(Requests.stat("m", "conf")).getStat().getMode());
            agent.upload(Requests.writeFile("m", "conf", 04755, 5), "newer".getBytes());
            assertEquals(04755, agent.call(Requests.stat("m", "conf")).getStat().getMode(), "setuid is kept");
            agent.upload(Requests.writeFile("m", "empty", 0, 0), new byte[0]);
            assertEquals(0644, agent.call(Requests.stat("m", "empty")).getStat().getMode());
            assertEquals(0, Files.size(mount.resolve("empty")));
        }
    }

    @Test
    void statAndListDescribeEveryKindOfFile() throws Exception {
        Instant mtime = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
        Files.writeString(mount.resolve("sub/b-file"), "12345");
        Files.setLastModifiedTime(mount.resolve("sub/b-file"), FileTime.from(mtime));
        Files.createDirectory(mount.resolve("sub/a-dir"));
        Files.createSymbolicLink(mount.resolve("sub/c-link"), Path.of("b-file"));
        Files.createLink(mount.resolve("sub/d-hard"), mount.resolve("sub/b-file"));
        BlockDeviceOperationsTest.run("mkfifo", mount.resolve("sub/e-fifo").toString());
        try (AgentFixture agent = AgentFixture.start(dir)) {
            List<FileInfo> entries = agent.call(Requests.list("m", "sub")).getList().getEntriesList();
            assertEquals(List.of("a-dir", "b-file", "c-link", "d-hard", "e-fifo", "inside"), entries.stream().map(FileInfo::getName).toList());
            assertEquals(List.of("dir", "file", "symlink", "file", "fifo", "file"), entries.stream().map(FileInfo::getType).toList());
            FileInfo file = entries.get(1);
            assertEquals(5, file.getSize());
            assertEquals(2, file.getNlink());
            assertEquals(mtime.getEpochSecond() * 1_000_000_000L + mtime.getNano(), file.getMtimeNanos(), "nanoseconds kept");
            assertEquals(Files.getAttribute(mount.resolve("sub/b-file"), "unix:uid"), file.getUid());
            assertEquals("b-file", entries.get(2).getLinkTarget());
            FileInfo root = agent.call(Requests.stat("m", "")).getStat();
            assertEquals("dir", root.getType());
            assertEquals("", root.getName());
            agent.fails("ENOTDIR", Requests.list("m", "sub/b-file"));
        }
    }

    @Test
    void aDirectoryTooLargeForOneResponseIsRefused() throws Exception {
        Path big = Files.createDirectory(mount.resolve("big"));
        for (int i = 0; i < 6000; i++) {
            Files.createFile(big.resolve(String.format("file-with-a-rather-long-name-to-fill-the-frame-%05d", i)));
        }
        try (AgentFixture agent = AgentFixture.start(dir)) {
            assertTrue(agent.fails("EMSGSIZE", Requests.list("m", "big")).getMessage().contains("export it as a tar"));
            assertTrue(agent.call(Requests.ping()).hasPing());
        }
    }

    @Test
    void mkdirAndRemove() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.fails("ENOENT", Requests.mkdir("m", "a/b/c", 0700, false));
            agent.call(Requests.mkdir("m", "a/b/c", 0700, true));
            assertEquals(0700, agent.call(Requests.stat("m", "a/b/c")).getStat().getMode());
            assertEquals(0700, agent.call(Requests.stat("m", "a")).getStat().getMode());
            agent.call(Requests.mkdir("m", "a/b/c", 0700, true)); // like mkdir -p: existing is fine
            agent.fails("EEXIST", Requests.mkdir("m", "a/b/c", 0700, false));
            agent.call(Requests.mkdir("m", "in/made-through-a-link", 0, true));
            assertEquals(0755, agent.call(Requests.stat("m", "sub/made-through-a-link")).getStat().getMode());
            agent.fails("EEXIST", Requests.mkdir("m", "sub/inside", 0755, true));
            agent.fails("ENOTDIR", Requests.mkdir("m", "sub/inside/x", 0755, true));

            agent.fails("ENOTEMPTY", Requests.remove("m", "a", false));
            agent.call(Requests.remove("m", "a", true));
            assertFalse(Files.exists(mount.resolve("a")));
            agent.call(Requests.remove("m", "sub/inside", false));
            agent.fails("ENOENT", Requests.remove("m", "sub/inside", false));
            agent.fails("EBUSY", Requests.remove("m", "", true));
            agent.fails("EBUSY", Requests.remove("m", ".", true));
            assertTrue(Files.isDirectory(mount));
        }
    }

    private static List<String> listNames(AgentFixture agent, String path) throws Exception {
        return agent.call(Requests.list("m", path)).getList().getEntriesList().stream().map(FileInfo::getName).toList();
    }

    private interface Call {
        void run() throws Exception;
    }

    private static BridgeException assertThrowsBridge(Call call) {
        return org.junit.jupiter.api.Assertions.assertThrows(BridgeException.class, call::run);
    }
}
