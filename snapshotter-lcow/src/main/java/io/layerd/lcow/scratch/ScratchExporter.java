package io.layerd.lcow.scratch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Reads a container's changes out of its scratch: the ext4 inside {@code sandbox.vhdx} can only be
 * read by a Linux kernel, so an implementation mounts it in the service VM and streams the overlay
 * upper directory out as a tar (the service VM's {@code export_tar}: PAX, xattrs, hard links,
 * overlay whiteouts as 0/0 character devices).
 */
public interface ScratchExporter {
    /**
     * The tar of directory {@code upperDir} of the scratch {@code sandbox}, mounted read-only,
     * streamed while it is read; an empty archive when the directory does not exist (the container
     * never wrote anything). {@code owner}: whose service VM serves it (per-instance lifetime).
     * Errors — a damaged disk, the VM dying — surface from {@code read} or {@code close}.
     */
    InputStream openUpperTar(Path sandbox, String upperDir, String owner) throws IOException;
}
