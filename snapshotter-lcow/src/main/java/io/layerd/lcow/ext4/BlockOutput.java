package io.layerd.lcow.ext4;

import io.layerd.core.fs.DirectIo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes whole 4 KiB blocks of the image at block positions, buffering runs of consecutive
 * blocks into large writes. Every run that reaches the file is also shown to the
 * {@link BlockListener} (in the order written; a block written twice is shown twice), which is
 * how a dm-verity tree is computed without reading the image back.
 */
final class BlockOutput {
    private static final int BUFFER_BLOCKS = 256; // 1 MiB writes
    private static final byte[] ZEROS = new byte[Ext4.BLOCK_SIZE];

    private final FileChannel channel;
    private final long baseOffset;
    private final BlockListener listener;
    /** Aligned, so the channel may be a direct ({@code O_DIRECT}) one. */
    private final ByteBuffer buffer = DirectIo.alignedBuffer(BUFFER_BLOCKS * Ext4.BLOCK_SIZE);
    private long bufferStart = -1;
    private long furthestBlock;

    BlockOutput(FileChannel channel, long baseOffset, BlockListener listener) {
        this.channel = channel;
        this.baseOffset = baseOffset;
        this.listener = listener;
    }

    /** Writes one block ({@code len} ≤ 4096 bytes of {@code src} at {@code off}; the rest zeros). */
    void write(long block, byte[] src, int off, int len) throws IOException {
        position(block);
        buffer.put(src, off, len);
        buffer.put(ZEROS, 0, Ext4.BLOCK_SIZE - len);
        advance(block);
    }

    /** Writes one block from a buffer holding exactly 4096 bytes (its position is not changed). */
    void write(long block, ByteBuffer src) throws IOException {
        position(block);
        buffer.put(src.duplicate());
        advance(block);
    }

    private void advance(long block) {
        furthestBlock = Math.max(furthestBlock, block + 1);
    }

    private void position(long block) throws IOException {
        if (bufferStart >= 0) {
            long next = bufferStart + buffer.position() / Ext4.BLOCK_SIZE;
            if (block == next && buffer.hasRemaining()) {
                return;
            }
            flush();
        }
        bufferStart = block;
    }

    void flush() throws IOException {
        if (bufferStart < 0 || buffer.position() == 0) {
            bufferStart = -1;
            buffer.clear();
            return;
        }
        buffer.flip();
        ByteBuffer run = buffer.duplicate();
        long pos = baseOffset + bufferStart * Ext4.BLOCK_SIZE;
        while (buffer.hasRemaining()) {
            pos += channel.write(buffer, pos);
        }
        if (listener != null) {
            listener.onBlocks(bufferStart, run);
        }
        buffer.clear();
        bufferStart = -1;
    }

    /** One past the highest block written so far. */
    long furthestBlock() {
        return furthestBlock;
    }
}
