package io.layerd.lcow.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Sees the blocks of the image as they reach the file: runs of consecutive 4 KiB blocks, in
 * write order (a block written again is shown again). Whole runs rather than single blocks, so
 * a listener that works on another thread pays one hand-over per run, not per block.
 */
@FunctionalInterface
public interface BlockListener {
    /**
     * {@code blocks} holds a whole number of 4 KiB blocks from its position to its limit, the
     * first being block {@code first}; the listener must neither change it nor keep it beyond
     * the call.
     */
    void onBlocks(long first, ByteBuffer blocks) throws IOException;
}
