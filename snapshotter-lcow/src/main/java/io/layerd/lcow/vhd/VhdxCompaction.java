package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Rewrites a dynamic VHDX without its all-zero payload blocks. mke2fs zeroes inode tables when
 * told not to leave that to the kernel, and a hypervisor that cannot tell a zeroing write from
 * data allocates every block it touches; dropping them again turns a 20 GB scratch with hundreds
 * of MiB allocated into one of a few MiB that copies in milliseconds. Unallocated blocks read as
 * zeros, so the virtual disk's content is unchanged.
 */
public final class VhdxCompaction {
    private VhdxCompaction() {
    }

    /**
     * Writes the non-zero payload blocks of {@code source} to the new VHDX {@code target}, which
     * gets the same virtual size, block size and disk id. The caller syncs and renames
     * {@code target}.
     *
     * @return bytes allocated in {@code target}
     */
    public static long copyNonZeroBlocks(Path source, Path target) throws IOException {
        try (VhdxFile in = VhdxFile.open(source, false);
             VhdxFile out = VhdxFile.create(target, in.virtualSize(), in.blockSize(), in.diskId())) {
            ByteBuffer block = ByteBuffer.allocateDirect(in.blockSize());
            long blocks = in.batLayout().payloadBlocks();
            for (long b = 0; b < blocks; b++) {
                int state = in.payloadBatEntry(b).state();
                if (state != VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT && state != VhdxBatEntry.PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                    continue;
                }
                long offset = b * in.blockSize();
                block.clear().limit((int) Math.min(in.blockSize(), in.virtualSize() - offset));
                while (block.hasRemaining() && in.read(offset + block.position(), block) > 0) {
                    // read() advances block's position
                }
                block.flip();
                if (!VhdxFile.isAllZero(block)) {
                    out.write(offset, block);
                }
            }
            out.flush();
            return out.allocatedBytes();
        }
    }
}
