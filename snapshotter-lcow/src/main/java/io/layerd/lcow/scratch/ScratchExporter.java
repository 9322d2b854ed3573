package io.layerd.lcow.scratch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a container's changes out of its scratch: the ext4 inside {@code sandbox.vhdx} can only be
 * read by a Linux kernel, so an implementation mounts it (read-only) in the service VM and streams
 * the overlay upper directory out as a tar (the service VM's {@code export_tar}), with the parent
 * layers mounted beside it to answer {@link ScratchExport#parentsHaveDirectory}.
 */
public interface ScratchExporter {
    /**
     * Opens directory {@code upperDir} of the scratch {@code sandbox} for export; {@code
     * parentLayers} are the container's {@code layer.vhd} files, topmost first (none: a base
     * container). {@code owner}: whose service VM serves it (per-instance lifetime).
     */
    ScratchExport open(Path sandbox, String upperDir, List<Path> parentLayers, String owner) throws IOException;
}
