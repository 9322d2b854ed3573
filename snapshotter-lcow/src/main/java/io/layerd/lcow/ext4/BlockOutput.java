package io.layerd.lcow.ext4;

import io.layerd.core.fs.DirectIo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes whole 4 KiB blocks of the image at block positions, buffering runs of consecutive
 * blocks into large writes. Every run is also shown to the {@link BlockListener} (in the order
 * written; a block written twice is shown twice), which is how a dm-verity tree is computed
 * without reading the image back.
 *
 * <p>Runs are written by a background thread, one after the other in the order they were
 * finished, while the caller fills the next buffer: with a direct channel each write waits for
 * the device, and the conversion should not wait with it. At most {@link #BUFFERS} runs are in
 * flight; a failed write fails every later write and the next call of the caller.
 */
final class BlockOutput {
    private static final int BUFFER_BLOCKS = 256; // 1 MiB writes
    private static final int BUFFERS = 4;
    private static final byte[] ZEROS = new byte[Ext4.BLOCK_SIZE];
    /** Shared by all images being written; idle threads end after a while. */
    private static final ExecutorService WRITERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "ext4-block-writer");
                t.setDaemon(true);
                return t;
            });

    private final FileChannel channel;
    private final long baseOffset;
    private final BlockListener listener;
    /** Aligned buffers, so the channel may be a direct ({@code O_DIRECT}) one. */
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private ByteBuffer buffer;
    private long bufferStart = -1;
    private long furthestBlock;
    /** The last write handed to {@link #WRITERS}; each write runs after the one before it. */
    private CompletableFuture<Void> written = CompletableFuture.completedFuture(null);

    BlockOutput(FileChannel channel, long baseOffset, BlockListener listener) {
        this.channel = channel;
        this.baseOffset = baseOffset;
        this.listener = listener;
        for (int i = 0; i < BUFFERS; i++) {
            free.add(DirectIo.alignedBuffer(BUFFER_BLOCKS * Ext4.BLOCK_SIZE));
        }
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
            submit();
        }
        buffer = takeFree();
        bufferStart = block;
    }

    /** Hands the current run to the writer thread (after showing it to the listener). */
    private void submit() throws IOException {
        ByteBuffer run = buffer;
        long first = bufferStart;
        long pos = baseOffset + first * Ext4.BLOCK_SIZE;
        buffer = null;
        bufferStart = -1;
        run.flip();
        try {
            if (listener != null) {
                listener.onBlocks(first, run.duplicate());
            }
        } catch (IOException | RuntimeException e) {
            free.add(run.clear());
            throw e;
        }
        written = written.handleAsync((ok, failure) -> {
            try {
                if (failure != null) {
                    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                }
                long at = pos;
                while (run.hasRemaining()) {
                    at += channel.write(run, at);
                }
                return null;
            } catch (IOException e) {
                throw new CompletionException(e);
            } finally {
                free.add(run.clear());
            }
        }, WRITERS);
    }

    private ByteBuffer takeFree() throws IOException {
        try {
            ByteBuffer b = free.take();
            if (written.isCompletedExceptionally()) {
                free.add(b);
                awaitWrites();
            }
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the image");
        }
    }

    /** Writes out everything buffered and waits until every write has reached the channel. */
    void flush() throws IOException {
        if (bufferStart >= 0 && buffer.position() > 0) {
            submit();
        } else if (buffer != null) {
            free.add(buffer.clear());
            buffer = null;
            bufferStart = -1;
        }
        awaitWrites();
    }

    private void awaitWrites() throws IOException {
        try {
            written.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("writing the image: " + io.getMessage(), io);
            }
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw e;
        }
    }

    /** One past the highest block written so far. */
    long furthestBlock() {
        return furthestBlock;
    }
}
