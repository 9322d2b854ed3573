package io.layerd.core.tar;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads its source on a daemon thread into a small bounded queue of chunks (so memory stays
 * bounded) and hands them to the consumer: decompression runs in parallel with whatever the
 * consumer does with the bytes. A failure of the source reaches the consumer at the position
 * where it happened, as an IOException naming the {@code what} (e.g. "gzip").
 */
final class ReadAheadInputStream extends InputStream {
    /**
     * Below half a G1 region even on small heaps, so chunks are never "humongous" objects (each
     * of which costs a collection); and recycled, so streaming a layer allocates almost nothing.
     */
    private static final int CHUNK = 256 << 10;
    private static final int QUEUED_CHUNKS = 8;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
    /** Consumed chunks handed back to the reader thread. */
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(QUEUED_CHUNKS + 2);
    private final InputStream source;
    private final Thread reader;
    private byte[] chunk = new byte[0];
    private int chunkLength;
    private int pos;
    private boolean done;
    private volatile boolean closed;

    ReadAheadInputStream(InputStream source, String what) {
        this.source = source;
        this.reader = new Thread(() -> pump(what), "read-ahead-" + what);
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(String what) {
        try {
            while (!closed) {
                byte[] buf = free.poll();
                if (buf == null) {
                    buf = new byte[CHUNK];
                }
                int n = source.readNBytes(buf, 0, CHUNK);
                if (n > 0) {
                    queue.put(new Chunk(buf, n));
                }
                if (n < CHUNK) {
                    queue.put(END);
                    return;
                }
            }
        } catch (StageFailure e) {
            offer(e); // already explained by the stage upstream of this one
        } catch (IOException e) {
            offer(new StageFailure(what.equals("tar") ? "reading the layer: " + e.getMessage()
                    : what + " stream is corrupt: " + e.getMessage(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            offer(new StageFailure(what + " stream is corrupt: " + e, e));
        }
    }

    /** A filled buffer and how much of it holds data. */
    private record Chunk(byte[] data, int length) {
    }

    /** A source failure as explained by the stage that met it; later stages pass it on unchanged. */
    private static final class StageFailure extends IOException {
        StageFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void offer(IOException e) {
        try {
            queue.put(e);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (done) {
            return false;
        }
        Object next;
        try {
            next = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading");
        }
        if (next instanceof IOException e) {
            done = true;
            throw e;
        }
        if (next == END) {
            done = true;
            return false;
        }
        if (chunk.length == CHUNK) {
            free.offer(chunk); // fully consumed: the reader may fill it again
        }
        Chunk c = (Chunk) next;
        chunk = c.data();
        chunkLength = c.length();
        pos = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        if (pos == chunkLength && !fill()) {
            return -1;
        }
        return chunk[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos == chunkLength && !fill()) {
            return -1;
        }
        int n = Math.min(len, chunkLength - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        reader.interrupt();
        source.close();
    }
}
