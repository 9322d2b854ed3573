package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.MountResponse;
import io.layerd.api.servicevm.v1.OverlaySource;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.servicevm.bridge.BridgeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * mount and unmount: what is refused before mount(8) runs (needs nothing), and a real overlay
 * of plain directories (needs root and overlayfs).
 */
class MountOperationsTest {
    @TempDir
    Path dir;

    static Request.Builder overlay(String name, String upper, String... lowers) {
        return Request.newBuilder().setMount(MountRequest.newBuilder().setName(name)
                .setOverlay(OverlaySource.newBuilder().addAllLower(List.of(lowers)).setUpper(upper)));
    }

    @Test
    void badMountOptionsAreRefused() throws Exception {
        Path device = dir.resolve("fake-disk");
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.extraDevices(Set.of(device)))) {
            for (String bad : List.of("rw;reboot", "noatime nodev", "Noatime", "data=journal\n", "", "x/y", "a:b")) {
                BridgeException e = agent.fails("EINVAL", Requests.mountExt4("m", device.toString(), false, bad));
                assertTrue(e.getMessage().startsWith("bad mount option"), e.getMessage());
            }
            agent.fails("ENODEV", Requests.mountExt4("m", "/dev/sdz", false));
            assertFalse(Files.exists(dir.resolve("mounts/m")), "nothing is created for a refused mount");
        }
    }

    @Test
    void mountNamesAreChecked() throws Exception {
        Path device = dir.resolve("fake-disk");
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.extraDevices(Set.of(device)))) {
            for (String bad : List.of("..", ".", "a/b", "x".repeat(65), "space name", "ümlaut")) {
                agent.fails("EINVAL", Requests.mountExt4(bad, device.toString(), false));
                agent.fails("EINVAL", Requests.unmount(bad));
            }
            agent.fails("EINVAL", Requests.unmount(""));
            agent.fails("ENOENT", Requests.unmount("never-mounted"));
            Files.createDirectories(dir.resolve("mounts/plain"));
            assertTrue(agent.fails("EINVAL", Requests.unmount("plain")).getMessage().contains("is not mounted"));
            agent.fails("EINVAL", Request.newBuilder().setMount(MountRequest.newBuilder().setName("nosource")));
        }
    }

    @Test
    void overlaysNeedExistingLayers() throws Exception {
        Files.createDirectories(dir.resolve("mounts/l1"));
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.fails("EINVAL", overlay("ov", ""));
            agent.fails("ENOENT", overlay("ov", "", "l1", "missing"));
            agent.fails("ENOENT", overlay("ov", "missing-upper", "l1"));
            agent.fails("EINVAL", Request.newBuilder().setMount(MountRequest.newBuilder().setName("ov")
                    .setOverlay(OverlaySource.newBuilder().addLower("l1").setUpper("l1").setUpperDir("../escape"))));
        }
    }

    @Test
    void anOverlayMergesLayersAndWritesToItsUpper() throws Exception {
        assumeTrue(Ext4FlowIT.isRoot(), "mounting needs root");
        assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("overlay"), "overlayfs is needed");
        Path mounts = dir.resolve("mounts");
        Files.createDirectories(mounts.resolve("top"));
        Files.createDirectories(mounts.resolve("bottom"));
        Files.createDirectories(mounts.resolve("scratch"));
        Files.writeString(mounts.resolve("bottom/shared"), "bottom");
        Files.writeString(mounts.resolve("bottom/only-bottom"), "b");
        Files.writeString(mounts.resolve("top/shared"), "top");
        try (AgentFixture agent = AgentFixture.start(dir)) {
            MountResponse rw = agent.call(overlay("rw", "scratch", "top", "bottom")).getMount();
            try {
                assertEquals(mounts.resolve("rw").toString(), rw.getPath());
                assertEquals("top", new String(agent.download(Requests.readFile("rw", "shared"))), "the first lower is on top");
                assertEquals("b", new String(agent.download(Requests.readFile("rw", "only-bottom"))));
                agent.upload(Requests.writeFile("rw", "new", 0644, 3), "new".getBytes());
                assertEquals("new", Files.readString(mounts.resolve("scratch/upper/new")), "writes land in upper/ of the upper mount");
                assertTrue(Files.isDirectory(mounts.resolve("scratch/work")));

                MountResponse ro = agent.call(overlay("", "", "top", "bottom")).getMount();
                assertTrue(ro.getName().matches("m\\d+"), "a generated name: " + ro.getName());
                agent.fails("EROFS", Requests.mkdir(ro.getName(), "x", 0755, false));
                agent.call(Requests.unmount(ro.getName()));

                agent.fails("EBUSY", overlay("rw", "scratch", "top"));
            } finally {
                agent.call(Requests.unmount("rw"));
            }
            assertFalse(Files.exists(mounts.resolve("rw")), "the mount point goes with the mount");
            assertTrue(Files.exists(mounts.resolve("scratch/upper/new")));
        }
    }
}
