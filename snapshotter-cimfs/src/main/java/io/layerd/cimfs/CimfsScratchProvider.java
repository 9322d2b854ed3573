package io.layerd.cimfs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Makes a container's scratch disk: an NTFS-formatted dynamic VHDX of at least {@code bytes},
 * as containerd's cimfs snapshotter copies from its {@code blank.vhdx}. Supplied by the daemon,
 * which owns the VHDX writer and the formatting tool.
 */
@FunctionalInterface
public interface CimfsScratchProvider {
    void create(Path sandbox, long bytes) throws IOException;
}
