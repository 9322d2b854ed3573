package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A copy of a dynamic VHDX with a larger virtual size: a new file of the same block size and
 * disk id, with only the blocks that hold data copied (a scratch is mostly empty). The BAT of a
 * larger disk is larger, so the file is rewritten rather than its metadata patched in place.
 */
public final class VhdxGrow {
    private VhdxGrow() {
    }

    /** Writes {@code source} as a {@code newVirtualSize} disk to the new file {@code target}, synced. */
    public static void copy(Path source, Path target, long newVirtualSize) throws IOException {
        try (VhdxFile from = VhdxFile.open(source, false)) {
            if (newVirtualSize < from.virtualSize()) {
                throw new IllegalArgumentException("a VHDX cannot shrink: " + source + " is " + from.virtualSize()
                        + " bytes, asked for " + newVirtualSize);
            }
            try (VhdxFile to = VhdxFile.create(target, newVirtualSize, from.blockSize(), from.diskId())) {
                ByteBuffer block = ByteBuffer.allocateDirect(from.blockSize());
                long blocks = (from.virtualSize() + from.blockSize() - 1) / from.blockSize();
                for (long b = 0; b < blocks; b++) {
                    int state = from.payloadBatEntry(b).state();
                    if (state != VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT && state != VhdxBatEntry.PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                        continue; // reads as zeros in the new disk too
                    }
                    long offset = b * from.blockSize();
                    block.clear().limit((int) Math.min(from.blockSize(), from.virtualSize() - offset));
                    from.read(offset, block);
                    block.flip();
                    to.write(offset, block);
                }
                to.flush();
            }
        }
    }
}
