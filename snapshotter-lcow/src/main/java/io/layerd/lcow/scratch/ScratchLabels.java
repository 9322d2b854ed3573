package io.layerd.lcow.scratch;

import io.layerd.core.errors.LayerdException;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the labels of a Prepare ask of a container's scratch, read as containerd's LCOW
 * snapshotter reads them: a size in GB (which also names the cached template), a directory for
 * the template cache, and sharing of another snapshot's scratch.
 *
 * @param sizeGb   the {@code rootfs.size-gb} label; 0 when absent, meaning {@link ScratchTemplates#DEFAULT_SIZE_GB}
 * @param location the {@code rootfs.location} label: where the template is cached instead of the plugin root
 * @param ownerKey with {@code reuse-scratch=true}: a substring of the key of the snapshot whose scratch to share
 */
public record ScratchLabels(int sizeGb, Optional<Path> location, Optional<String> ownerKey) {
    public static final String PREFIX = "containerd.io/snapshot/";
    public static final String SIZE_GB = PREFIX + "io.microsoft.container.storage.rootfs.size-gb";
    public static final String LOCATION = PREFIX + "io.microsoft.container.storage.rootfs.location";
    public static final String REUSE_SCRATCH = PREFIX + "io.microsoft.container.storage.reuse-scratch";
    public static final String OWNER_KEY = PREFIX + "io.microsoft.owner.key";
    /** The largest virtual size a VHDX can have is 64 TiB. */
    public static final int MAX_SIZE_GB = 64 * 1024;

    /** Reads the labels of a Prepare of {@code key}; INVALID_ARGUMENT for a size that is not a whole number of GB. */
    public static ScratchLabels of(String key, Map<String, String> labels) {
        int sizeGb = 0;
        String size = labels.get(SIZE_GB);
        if (size != null) {
            try {
                sizeGb = Integer.parseInt(size);
            } catch (NumberFormatException e) {
                sizeGb = -1;
            }
            if (sizeGb < 0 || sizeGb > MAX_SIZE_GB) {
                throw LayerdException.invalidArgument("snapshot \"%s\": label %s=\"%s\" is not a size in GB from 0 to %d",
                        key, SIZE_GB, size, MAX_SIZE_GB);
            }
        }
        String location = labels.getOrDefault(LOCATION, "");
        Optional<Path> dir = Optional.empty();
        if (!location.isEmpty()) {
            Path p = Path.of(location);
            if (!p.isAbsolute()) {
                throw LayerdException.invalidArgument("snapshot \"%s\": label %s=\"%s\" is not an absolute path",
                        key, LOCATION, location);
            }
            dir = Optional.of(p);
        }
        // containerd shares only when both labels are set and otherwise silently creates a new scratch.
        String owner = labels.getOrDefault(OWNER_KEY, "");
        boolean share = "true".equals(labels.get(REUSE_SCRATCH)) && !owner.isEmpty();
        return new ScratchLabels(sizeGb, dir, share ? Optional.of(owner) : Optional.empty());
    }

    /** The virtual size of the scratch disk in bytes (hcsshim's GB are GiB). */
    public long sizeBytes() {
        return (long) effectiveSizeGb() << 30;
    }

    public int effectiveSizeGb() {
        return sizeGb == 0 ? ScratchTemplates.DEFAULT_SIZE_GB : sizeGb;
    }

    /** {@code scratch.vhdx} for the default size, {@code scratch_<N>.vhdx} when the label gave one. */
    public String templateName() {
        return sizeGb == 0 ? "scratch.vhdx" : "scratch_" + sizeGb + ".vhdx";
    }
}
