package io.layerd.lcow.verity;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Feeds a {@link VerityTreeBuilder} from a thread of its own, so hashing every block of an image
 * (a core's worth of work on a big layer) overlaps with writing it instead of adding to it.
 *
 * <p>{@link #onBlocks} copies each run of blocks into one of a few recycled 1 MiB buffers and
 * returns; the hashing thread files the digests. Memory stays at those buffers whatever the
 * image size, and a writer that outpaces the hashing simply waits for a free buffer. A failure of
 * the hashing thread is reported by the next {@link #onBlocks} or by {@link #finish}.
 *
 * <p>One producer thread; {@link #finish} happens-after every {@link #onBlocks} of that thread.
 */
public final class BackgroundVerityHashing implements AutoCloseable {
    private static final int BLOCK_SIZE = VerityHashLayout.BLOCK_SIZE;
    private static final int BUFFER_BYTES = 1 << 20;
    private static final int BUFFERS = 4;

    /** A run of blocks waiting to be hashed; a null {@code data} ends the stream. */
    private record Run(long first, ByteBuffer data) {
    }

    private static final Run END = new Run(-1, null);

    private final VerityTreeBuilder builder;
    private final BlockingQueue<Run> queue = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread thread;
    private volatile Throwable failure;
    private boolean ended;

    /** Takes ownership of {@code builder}: {@link #close} closes it. */
    public BackgroundVerityHashing(VerityTreeBuilder builder) {
        this.builder = Objects.requireNonNull(builder, "builder");
        for (int i = 0; i < BUFFERS; i++) {
            free.add(ByteBuffer.allocate(BUFFER_BYTES));
        }
        thread = new Thread(this::hashRuns, "verity-hashing");
        thread.setDaemon(true);
        thread.start();
    }

    /** As {@link VerityTreeBuilder#onBlock}, for {@code blocks.remaining() / 4096} blocks from {@code first}. */
    public void onBlocks(long first, ByteBuffer blocks) throws IOException {
        if (ended) {
            throw new IllegalStateException("verity hashing has already ended");
        }
        if (blocks.remaining() % BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("a run of blocks must be a multiple of " + BLOCK_SIZE + " bytes, got " + blocks.remaining());
        }
        ByteBuffer source = blocks.duplicate();
        long block = first;
        while (source.hasRemaining()) {
            rethrowFailure();
            ByteBuffer copy = take(free).clear();
            int n = Math.min(copy.capacity(), source.remaining());
            copy.put(source.slice(source.position(), n)).flip();
            source.position(source.position() + n);
            put(new Run(block, copy));
            block += n / BLOCK_SIZE;
        }
    }

    /** Waits until every run handed over is hashed, then completes the tree as {@link VerityTreeBuilder#finish(long, UUID)}. */
    public VerityTree finish(long dataBlocks, UUID superblockUuid) throws IOException {
        end();
        rethrowFailure();
        return builder.finish(dataBlocks, superblockUuid);
    }

    private void hashRuns() {
        try {
            while (true) {
                Run run = queue.take();
                if (run == END) {
                    return;
                }
                try {
                    if (failure == null) {
                        hash(run);
                    }
                } catch (IOException | RuntimeException e) {
                    failure = e; // keep draining, so the producer never waits for a buffer forever
                } finally {
                    free.add(run.data());
                }
            }
        } catch (InterruptedException e) {
            failure = e;
        }
    }

    private void hash(Run run) throws IOException {
        ByteBuffer data = run.data();
        int blocks = data.limit() / BLOCK_SIZE;
        for (int i = 0; i < blocks; i++) {
            builder.onBlock(run.first() + i, data.slice(i * BLOCK_SIZE, BLOCK_SIZE));
        }
    }

    private void end() throws IOException {
        if (ended) {
            return;
        }
        ended = true;
        put(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for verity hashing");
        }
    }

    private void rethrowFailure() throws IOException {
        Throwable t = failure;
        if (t instanceof IOException e) {
            throw new IOException("computing the dm-verity tree: " + e.getMessage(), e);
        }
        if (t != null) {
            throw new IOException("computing the dm-verity tree failed: " + t, t);
        }
    }

    private ByteBuffer take(BlockingQueue<ByteBuffer> from) throws IOException {
        try {
            return from.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing blocks to verity hashing");
        }
    }

    private void put(Run run) throws IOException {
        try {
            queue.put(run);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing blocks to verity hashing");
        }
    }

    /** Stops the hashing thread and closes the builder (deleting its scratch file unless finished). */
    @Override
    public void close() throws IOException {
        try {
            if (!ended) {
                ended = true;
                thread.interrupt();
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            builder.close();
        }
    }
}
