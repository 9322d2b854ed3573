package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.BlockDevice;
import io.layerd.api.servicevm.v1.CommandResponse;
import io.layerd.api.servicevm.v1.ListBlockDevicesRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.ResizeRequest;
import io.layerd.api.servicevm.v1.WaitForDeviceRequest;
import io.layerd.servicevm.bridge.BridgeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Disks from a sysfs tree the test writes, and e2fsprogs run on an image file standing in for
 * a disk's device node (mke2fs, e2fsck and resize2fs accept regular files).
 */
class BlockDeviceOperationsTest {
    @TempDir
    Path dir;

    /** /sys/block/{name} with size in sectors, ro, and a device link ending in {@code deviceLink}. */
    void disk(String name, long sectors, boolean readOnly, String deviceLink) throws IOException {
        Path d = Files.createDirectories(dir.resolve("sys/block").resolve(name));
        Files.writeString(d.resolve("size"), sectors + "\n");
        Files.writeString(d.resolve("ro"), (readOnly ? "1" : "0") + "\n");
        if (deviceLink != null) {
            Files.createSymbolicLink(d.resolve("device"), Path.of("../../../devices/platform/host0").resolve(deviceLink));
        }
    }

    void standardDisks() throws IOException {
        disk("sda", 2048, false, "0:0:1:0");
        disk("sdb", 4096, true, "1:0:2:3");
        disk("vda", 8192, false, "virtio2");
        disk("loop0", 0, false, null);
        disk("loop1", 8, false, null);
        disk("ram0", 0, false, null);
    }

    List<BlockDevice> list(AgentFixture agent) throws IOException {
        return agent.call(Request.newBuilder().setListBlockDevices(ListBlockDevicesRequest.getDefaultInstance()))
                .getListBlockDevices().getDevicesList();
    }

    @Test
    void listsDisksWithSizesAndScsiAddresses() throws Exception {
        standardDisks();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            List<BlockDevice> devices = list(agent);
            assertEquals(List.of("loop1", "sda", "sdb", "vda"), devices.stream().map(BlockDevice::getName).toList(),
                    "empty loop and ram devices are left out; sorted by name");
            BlockDevice sda = devices.get(1);
            assertEquals(dir.resolve("dev/sda").toString(), sda.getPath());
            assertEquals(2048L * 512, sda.getSizeBytes());
            assertFalse(sda.getReadOnly());
            assertTrue(sda.getHasScsiAddress());
            assertEquals(List.of(0, 0, 1, 0), List.of(sda.getScsiHost(), sda.getScsiChannel(), sda.getScsiTarget(), sda.getScsiLun()));
            BlockDevice sdb = devices.get(2);
            assertTrue(sdb.getReadOnly());
            assertEquals(List.of(1, 0, 2, 3), List.of(sdb.getScsiHost(), sdb.getScsiChannel(), sdb.getScsiTarget(), sdb.getScsiLun()));
            assertFalse(devices.get(3).getHasScsiAddress(), "a virtio disk has no SCSI address");
        }
    }

    @Test
    void emptyPlaceholdersAreListedWhenAsked() throws Exception {
        standardDisks();
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.listEmptyDevices(true))) {
            assertEquals(List.of("loop0", "loop1", "ram0", "sda", "sdb", "vda"), list(agent).stream().map(BlockDevice::getName).toList());
        }
    }

    @Test
    void waitForDeviceReturnsTheDiskOnceItIsHotPlugged() throws Exception {
        standardDisks();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            Thread plug = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    disk("sdc", 1024, false, "0:0:3:1");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            plug.start();
            BlockDevice sdc = agent.call(Request.newBuilder()
                    .setWaitForDevice(WaitForDeviceRequest.newBuilder().setScsiTarget(3).setScsiLun(1))).getDevice();
            plug.join();
            assertEquals("sdc", sdc.getName());
            assertEquals(1024L * 512, sdc.getSizeBytes());
        }
    }

    @Test
    void waitForDeviceGivesUpAtTheDeadlineNamingTheDisk() throws Exception {
        standardDisks();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            BridgeException e = agent.fails("ETIMEDOUT", Request.newBuilder().setTimeoutMillis(400)
                    .setWaitForDevice(WaitForDeviceRequest.newBuilder().setScsiTarget(5).setScsiLun(0)));
            assertTrue(e.getMessage().contains("target 5 lun 0"), e.getMessage());
        }
    }

    @Test
    void onlyListedDisksCanBeFormattedOrChecked() throws Exception {
        standardDisks();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            BridgeException e = agent.fails("ENODEV", Requests.format("/dev/sdz"));
            assertEquals("no such block device: /dev/sdz (ENODEV)", e.getMessage());
            agent.fails("ENODEV", Requests.format("/etc/passwd"));
            agent.fails("ENODEV", Requests.fsck(dir.resolve("dev/../dev/sdq").toString(), false));
            agent.fails("EINVAL", Requests.format(""));
        }
    }

    /** format, fsck and resize of "sda", whose device node is an image file. */
    @Test
    void formatCheckAndResizeAnExt4Disk() throws Exception {
        assumeTrue(hasE2fsprogs(), "e2fsprogs is needed: apt-get install e2fsprogs");
        disk("sda", (16 << 20) / 512, false, "0:0:1:0");
        Path image = Files.createDirectories(dir.resolve("dev")).resolve("sda");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        String device = image.toString();
        try (AgentFixture agent = AgentFixture.start(dir)) {
            CommandResponse formatted = agent.call(Requests.format(device).setFormat(
                    Requests.format(device).getFormat().toBuilder().setLabel("scratch"))).getCommand();
            assertEquals(0, formatted.getExitCode(), formatted.getOutput());
            String header = run("dumpe2fs", "-h", device);
            assertTrue(header.contains("Filesystem volume name:   scratch"), header);
            String features = header.lines().filter(l -> l.startsWith("Filesystem features:")).findFirst().orElseThrow();
            assertFalse(features.contains("resize_inode"), "the LCOW scratch defaults leave out the resize inode: " + features);
            assertTrue(features.contains("has_journal") && features.contains("extent"), features);

            assertEquals(0, agent.call(Requests.fsck(device, false)).getCommand().getExitCode());

            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(32 << 20);
            }
            CommandResponse grown = agent.call(Request.newBuilder().setResize(ResizeRequest.newBuilder().setDevice(device))).getCommand();
            assertEquals(0, grown.getExitCode(), grown.getOutput());
            String grownHeader = run("dumpe2fs", "-h", device);
            assertEquals(32L << 20, field(grownHeader, "Block count") * field(grownHeader, "Block size"), "grown to the device's 32 MiB");
            agent.fails("EINVAL", Request.newBuilder().setResize(ResizeRequest.newBuilder().setDevice(device).setSizeBytes(1000)));

            // A superblock of garbage: e2fsck cannot even start (exit 8), which is an error with its output.
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.seek(1024);
                f.write(new byte[4096]);
            }
            BridgeException broken = agent.fails("EIO", Requests.fsck(device, false));
            assertTrue(broken.getMessage().contains("exit 8") || broken.getMessage().contains("exit 4"), broken.getMessage());
        }
    }

    /** A number from dumpe2fs -h: "Block count:              8192". */
    static long field(String header, String name) {
        String line = header.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow(() -> new AssertionError(name));
        return Long.parseLong(line.substring(name.length() + 1).trim());
    }

    static boolean hasE2fsprogs() {
        try {
            run("mke2fs", "-V");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
