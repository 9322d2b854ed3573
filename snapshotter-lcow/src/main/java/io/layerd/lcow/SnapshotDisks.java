package io.layerd.lcow;

import io.layerd.lcow.scratch.ScratchLayout;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The disks a snapshot's file tree is made of, as a Linux kernel overlays them.
 *
 * @param key      the snapshot
 * @param layers   {@code layer.vhd} files, topmost first (overlay's lowerdir order)
 * @param scratch  an active container's {@code sandbox.vhdx}: the writable upper; empty for a
 *                 committed layer or a view, which are read-only
 * @param layout   where the overlay's upper and work directories are inside the scratch
 */
public record SnapshotDisks(String key, List<Path> layers, Optional<Path> scratch, ScratchLayout layout) {
    public SnapshotDisks {
        layers = List.copyOf(layers);
    }

    public boolean writable() {
        return scratch.isPresent();
    }
}
