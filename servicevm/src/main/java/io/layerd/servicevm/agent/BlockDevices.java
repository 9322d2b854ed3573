package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.BlockDevice;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The disks the VM sees, read from sysfs:
 * <pre>
 * /sys/block/sdb/size            capacity in 512-byte sectors (whatever the logical block size)
 * /sys/block/sdb/ro              "1" when read-only
 * /sys/block/sdb/device -> ../../../0:0:1:0    a SCSI disk's address, host:channel:target:lun
 * </pre>
 */
final class BlockDevices {
    private static final Pattern SCSI_ADDRESS = Pattern.compile("(\\d+):(\\d+):(\\d+):(\\d+)");
    private static final long SECTOR = 512;

    private final AgentEnvironment env;

    BlockDevices(AgentEnvironment env) {
        this.env = env;
    }

    /** Every disk, sorted by name; empty loop and ram devices are left out unless the environment says otherwise. */
    List<BlockDevice> list() throws IOException {
        Path block = env.sysfsRoot().resolve("block");
        List<BlockDevice> devices = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(block)) {
            for (Path dir : dirs) {
                BlockDevice d = read(dir);
                if (d == null) {
                    continue;
                }
                boolean placeholder = d.getName().startsWith("loop") || d.getName().startsWith("ram");
                if (d.getSizeBytes() == 0 && placeholder && !env.listEmptyDevices()) {
                    continue;
                }
                devices.add(d);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        devices.sort(Comparator.comparing(BlockDevice::getName));
        return devices;
    }

    /** The SCSI disk at {@code target:lun} on any host and channel, if it is there. */
    Optional<BlockDevice> findScsi(int target, int lun) throws IOException {
        for (BlockDevice d : list()) {
            if (d.getHasScsiAddress() && d.getScsiTarget() == target && d.getScsiLun() == lun) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * The device path, if it names a listed disk or a device the environment allows; otherwise
     * ENODEV, so that a request cannot format or mount an arbitrary file.
     */
    Path requireKnown(String device) throws AgentException, IOException {
        if (device.isEmpty()) {
            throw new AgentException(Errno.EINVAL, "no device given");
        }
        Path path = Path.of(device).normalize();
        if (env.extraDevices().contains(path)) {
            return path;
        }
        for (BlockDevice d : list()) {
            if (Path.of(d.getPath()).equals(path)) {
                return path;
            }
        }
        throw new AgentException(Errno.ENODEV, "no such block device: " + device);
    }

    /** One /sys/block entry; null when it vanished while being read (a disk being removed). */
    private BlockDevice read(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        BlockDevice.Builder d = BlockDevice.newBuilder().setName(name).setPath(env.devRoot().resolve(name).toString());
        try {
            d.setSizeBytes(Long.parseLong(text(dir.resolve("size"))) * SECTOR);
            d.setReadOnly("1".equals(text(dir.resolve("ro"))));
        } catch (NoSuchFileException e) {
            return null;
        } catch (NumberFormatException e) {
            throw new IOException(dir + "/size is not a number");
        }
        Path device = dir.resolve("device");
        if (Files.isSymbolicLink(device)) {
            Matcher m = SCSI_ADDRESS.matcher(Files.readSymbolicLink(device).getFileName().toString());
            if (m.matches()) {
                d.setHasScsiAddress(true)
                        .setScsiHost(Integer.parseInt(m.group(1)))
                        .setScsiChannel(Integer.parseInt(m.group(2)))
                        .setScsiTarget(Integer.parseInt(m.group(3)))
                        .setScsiLun(Integer.parseInt(m.group(4)));
            }
        }
        return d.build();
    }

    private static String text(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.US_ASCII).trim();
    }
}
