package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.CommandResponse;
import io.layerd.api.servicevm.v1.MountResponse;
import io.layerd.core.tar.TarEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scratch-disk life of the service VM on this host, through the agent: a loop device
 * stands in for the hot-plugged disk; it is formatted, mounted, written, exported as a tar,
 * found busy while a file is open, unmounted, mounted read-only, and left clean for e2fsck.
 */
class Ext4FlowIT {
    @TempDir
    Path dir;

    @Test
    void formatMountWriteExportAndUnmount() throws Exception {
        assumeTrue(isRoot(), "loop devices and mounts need root");
        assumeTrue(BlockDeviceOperationsTest.hasE2fsprogs(), "e2fsprogs is needed: apt-get install e2fsprogs");
        assumeTrue(works("losetup", "--version"), "losetup is needed: apt-get install util-linux");
        Path image = dir.resolve("scratch.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64 << 20);
        }
        String loop;
        try {
            loop = BlockDeviceOperationsTest.run("losetup", "-f", "--show", image.toString()).trim();
        } catch (Exception e) {
            assumeTrue(false, "no loop device could be attached here: " + e.getMessage());
            return;
        }
        Path mounts = dir.resolve("mounts");
        byte[] tool = new byte[(1 << 20) + 17];
        new Random(7).nextBytes(tool);
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.extraDevices(Set.of(Path.of(loop))))) {
            CommandResponse formatted = agent.call(Requests.format(loop)).getCommand();
            assertEquals(0, formatted.getExitCode(), formatted.getOutput());

            MountResponse scratch = agent.call(Requests.mountExt4("scratch", loop, false, "noatime")).getMount();
            assertEquals(mounts.resolve("scratch").toString(), scratch.getPath());
            assertTrue(mountTable().contains(" " + mounts.resolve("scratch").toRealPath() + " "), "mounted in the kernel's table");
            agent.fails("EBUSY", Requests.mountExt4("scratch", loop, false));

            agent.call(Requests.mkdir("scratch", "layer/etc", 0755, true));
            agent.call(Requests.mkdir("scratch", "layer/bin", 0755, true));
            agent.upload(Requests.writeFile("scratch", "layer/etc/hosts", 0644, 10), "127.0.0.1\n".getBytes(StandardCharsets.UTF_8));
            agent.upload(Requests.writeFile("scratch", "layer/bin/tool", 0755, tool.length), tool);
            assertEquals("dir", agent.call(Requests.stat("scratch", "lost+found")).getStat().getType(), "a fresh ext4");

            Map<String, TarEntry> entries = new LinkedHashMap<>();
            Map<String, byte[]> data = new LinkedHashMap<>();
            TarExportTest.read(agent.download(Requests.exportTar("scratch", "layer")), entries, data);
            assertEquals(List.of("bin/", "bin/tool", "etc/", "etc/hosts"), new ArrayList<>(entries.keySet()));
            assertArrayEquals(tool, data.get("bin/tool"));
            assertEquals(0755, entries.get("bin/tool").mode());
            assertEquals("127.0.0.1\n", new String(data.get("etc/hosts"), StandardCharsets.UTF_8));

            try (InputStream open = Files.newInputStream(mounts.resolve("scratch/layer/etc/hosts"))) {
                assertEquals('1', open.read(), "a file in the mount is open");
                assertTrue(agent.fails("EBUSY", Requests.unmount("scratch")).getMessage().contains("busy"));
            }
            agent.call(Requests.unmount("scratch"));
            assertFalse(Files.exists(mounts.resolve("scratch")));
            agent.fails("ENOENT", Requests.unmount("scratch"));

            agent.call(Requests.mountExt4("readonly", loop, true));
            try {
                assertArrayEquals(tool, agent.download(Requests.readFile("readonly", "layer/bin/tool")));
                agent.fails("EROFS", Requests.mkdir("readonly", "nope", 0755, false));
            } finally {
                agent.call(Requests.unmount("readonly"));
            }
            assertEquals(0, agent.call(Requests.fsck(loop, false)).getCommand().getExitCode());
        } finally {
            unmountEverythingUnder(mounts);
            BlockDeviceOperationsTest.run("losetup", "-d", loop);
        }
        Process fsck = new ProcessBuilder("e2fsck", "-fn", image.toString()).redirectErrorStream(true).start();
        String out = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(fsck.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, fsck.exitValue(), "e2fsck -fn of the image: " + out);
    }

    /** A failed test must not leave mounts behind on the host. */
    private static void unmountEverythingUnder(Path mounts) throws Exception {
        if (!Files.isDirectory(mounts)) {
            return;
        }
        String root = mounts.toRealPath().toString();
        for (String line : mountTable().split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && fields[4].startsWith(root + "/")) {
                works("umount", "-l", fields[4]);
            }
        }
    }

    private static String mountTable() throws Exception {
        return Files.readString(Path.of("/proc/self/mountinfo"));
    }

    static boolean isRoot() {
        try {
            return "0".equals(BlockDeviceOperationsTest.run("id", "-u").trim());
        } catch (Exception e) {
            return false;
        }
    }

    static boolean works(String... command) {
        try {
            BlockDeviceOperationsTest.run(command);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
