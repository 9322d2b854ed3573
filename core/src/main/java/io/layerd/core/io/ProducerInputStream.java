package io.layerd.core.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Turns code that writes a stream (a {@link Producer}, e.g. a download into an OutputStream) into
 * an InputStream, with the producer on a thread of its own and at most a few chunks in between, so
 * memory stays bounded whatever the size. A producer failure reaches the reader at the point it
 * happened, as an IOException with the producer's exception as cause; closing the reader early
 * interrupts the producer and waits for it to stop.
 */
public final class ProducerInputStream extends BulkInputStream {
    /** Writes the whole stream into {@code out}; must not close it. */
    @FunctionalInterface
    public interface Producer {
        void writeTo(OutputStream out) throws Exception;
    }

    private static final int CHUNK = 256 << 10;
    private static final int QUEUED_CHUNKS = 8;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
    private final Thread thread;
    private final String what;
    private byte[] chunk = new byte[0];
    private int pos;
    private boolean ended;
    private volatile boolean closed;

    public ProducerInputStream(String what, Producer producer) {
        this.what = what;
        this.thread = new Thread(() -> run(producer), "producer-" + what);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(Producer producer) {
        Object last = END;
        QueueingOutputStream out = new QueueingOutputStream();
        try {
            producer.writeTo(out);
        } catch (Throwable t) {
            last = t;
        }
        try {
            out.flush(); // what was written before a failure still reaches the reader
        } catch (IOException e) {
            return; // the reader has gone
        }
        try {
            while (!queue.offer(last, 100, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // the reader closed: nobody waits for the end any more
        }
    }

    @Override
    protected int readBulk(byte[] b, int off, int len) throws IOException {
        while (pos == chunk.length) {
            if (ended) {
                return -1;
            }
            Object next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(what + ": interrupted while waiting for data");
            }
            if (next == END) {
                ended = true;
                return -1;
            }
            if (next instanceof Throwable t) {
                ended = true;
                if (t instanceof RuntimeException r) {
                    throw r; // keeps what it says about itself (e.g. a status for the caller)
                }
                if (t instanceof IOException io) {
                    throw new IOException(what + ": " + io.getMessage(), io);
                }
                throw new IOException(what + ": " + t, t);
            }
            chunk = (byte[]) next;
            pos = 0;
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Stops the producer if it is still writing (interrupting it) and waits for its thread. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (thread.isAlive()) {
            thread.interrupt();
            queue.clear();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Hands each full chunk to the reader, blocking while the queue is full. */
    private final class QueueingOutputStream extends ChunkingOutputStream {
        QueueingOutputStream() {
            super(CHUNK);
        }

        @Override
        protected void emit(byte[] chunk, int length) throws IOException {
            byte[] full = length == chunk.length ? chunk : Arrays.copyOf(chunk, length);
            try {
                while (!queue.offer(full, 100, TimeUnit.MILLISECONDS)) {
                    if (closed) {
                        throw new InterruptedIOException(what + ": the reader stopped reading");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(what + ": the reader stopped reading");
            }
        }
    }
}
