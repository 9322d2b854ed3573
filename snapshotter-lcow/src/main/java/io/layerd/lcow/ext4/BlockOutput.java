package io.layerd.lcow.ext4;

import io.layerd.core.fs.DirectIo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes whole 4 KiB blocks of the image at block positions, buffering runs of consecutive
 * blocks into large writes. Every run is also shown to the {@link BlockListener} (in the order
 * written; a block written twice is shown twice), which is how a dm-verity tree is computed
 * without reading the image back.
 *
 * <p>Runs are written by background threads while the caller fills the next buffer: with a
 * direct channel each write waits for the device, and the conversion should not wait with it.
 * Up to {@link #WRITERS_PER_DEVICE} runs are written at once, because a virtual disk answers two
 * or three 1 MiB writes in flight about 40 % faster than one at a time (measured with fio on
 * virtio-blk); a run that overlaps one still in flight waits for it, so a block written twice
 * ends up as written last. At most {@link #BUFFERS} runs are buffered; after a failed write no
 * further run is written and the caller's next call fails.
 */
final class BlockOutput {
    private static final int BUFFER_BLOCKS = 256; // 1 MiB writes
    private static final int BUFFERS = 8;
    private static final int WRITERS_PER_DEVICE = 3;
    private static final byte[] ZEROS = new byte[Ext4.BLOCK_SIZE];
    /** Shared by all images being written (they share the device, too); idle threads end after a while. */
    private static final ThreadPoolExecutor WRITERS = new ThreadPoolExecutor(WRITERS_PER_DEVICE, WRITERS_PER_DEVICE,
            30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "ext4-block-writer");
                t.setDaemon(true);
                return t;
            });

    static {
        WRITERS.allowCoreThreadTimeOut(true);
    }

    /** A run handed to {@link #WRITERS}: blocks {@code [first, end)}. */
    private record InFlight(long first, long end, Future<?> done) {
    }

    private final FileChannel channel;
    private final long baseOffset;
    private final BlockListener listener;
    /** Aligned buffers, so the channel may be a direct ({@code O_DIRECT}) one. */
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    /** Runs handed out and maybe not yet written, oldest first (used by the caller's thread only). */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** The first failed write; once set, nothing more is written. */
    private volatile Throwable failure;
    private ByteBuffer buffer;
    private long bufferStart = -1;
    private long furthestBlock;

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

    /** Hands the current run to the writer threads (after showing it to the listener). */
    private void submit() throws IOException {
        ByteBuffer run = buffer;
        long first = bufferStart;
        buffer = null;
        bufferStart = -1;
        run.flip();
        long end = first + run.remaining() / Ext4.BLOCK_SIZE;
        try {
            if (listener != null) {
                listener.onBlocks(first, run.duplicate());
            }
            waitForOverlapping(first, end);
        } catch (IOException | RuntimeException e) {
            free.add(run.clear());
            throw e;
        }
        long pos = baseOffset + first * Ext4.BLOCK_SIZE;
        Future<?> done = WRITERS.submit(() -> {
            try {
                if (failure == null) {
                    long at = pos;
                    while (run.hasRemaining()) {
                        at += channel.write(run, at);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            } finally {
                free.add(run.clear());
            }
        });
        inFlight.addLast(new InFlight(first, end, done));
    }

    /** Waits for the runs in flight that share a block with {@code [first, end)}; forgets finished ones. */
    private void waitForOverlapping(long first, long end) throws IOException {
        for (Iterator<InFlight> it = inFlight.iterator(); it.hasNext(); ) {
            InFlight f = it.next();
            if (f.first() < end && first < f.end()) {
                await(f.done());
            }
            if (f.done().isDone()) {
                it.remove();
            }
        }
        throwIfFailed();
    }

    private ByteBuffer takeFree() throws IOException {
        throwIfFailed();
        try {
            return free.take();
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
        while (!inFlight.isEmpty()) {
            await(inFlight.removeFirst().done());
        }
        throwIfFailed();
    }

    private static void await(Future<?> write) throws InterruptedIOException {
        try {
            write.get(); // the task itself never throws: failures are kept in the failure field
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the image");
        } catch (ExecutionException e) {
            throw new IllegalStateException("block write task failed", e.getCause());
        }
    }

    private void throwIfFailed() throws IOException {
        Throwable f = failure;
        if (f instanceof IOException io) {
            throw new IOException("writing the image: " + io.getMessage(), io);
        }
        if (f instanceof UncheckedIOException u) {
            throw u.getCause();
        }
        if (f instanceof RuntimeException r) {
            throw new IllegalStateException("writing the image failed: " + r, r);
        }
    }

    /** One past the highest block written so far. */
    long furthestBlock() {
        return furthestBlock;
    }
}
