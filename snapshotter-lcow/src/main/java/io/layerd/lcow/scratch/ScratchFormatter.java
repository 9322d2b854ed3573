package io.layerd.lcow.scratch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts an empty ext4 file system on a new scratch disk. The host cannot be assumed to have
 * e2fsprogs (it is Windows in production), so the daemon's implementation formats the disk
 * inside the Linux service VM; tests may format it any other way that gives the same result.
 */
public interface ScratchFormatter {

    /**
     * mke2fs options hcsshim formats a scratch with ({@code internal/lcow/scratch.go}), minus the
     * {@code -q} and {@code -t ext4} that every caller adds: inode tables written now rather than
     * by a kernel thread at each container start, no discard pass over a fresh virtual disk, no
     * journal, backup superblocks only at the start and end, no resize inode.
     */
    List<String> HCSSHIM_MKFS_OPTIONS = List.of("-E", "lazy_itable_init=0,nodiscard",
            "-O", "^has_journal,sparse_super2,^resize_inode");

    /**
     * Formats {@code vhdx} as ext4 over its whole virtual size with {@link #HCSSHIM_MKFS_OPTIONS}.
     *
     * <p>Precondition: {@code vhdx} is a closed, dynamic VHDX whose name ends in {@code .vhdx},
     * and nobody else uses it. Postcondition: it is a closed, valid VHDX (no log left to
     * replay) holding the file system. On failure the file's content is undefined; the caller
     * deletes it.
     */
    void format(Path vhdx) throws IOException;
}
