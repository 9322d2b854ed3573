package io.layerd.daemon.grpc;

import com.google.protobuf.ByteString;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The data of a client stream as an InputStream for a worker. {@link #offer} blocks while the
 * worker is behind: the call's messages are then not consumed, which is HTTP/2's back-pressure
 * on the client.
 */
final class ChunkRequestStream extends InputStream {
    private static final ByteString END = ByteString.copyFromUtf8("end");
    private static final int QUEUED_CHUNKS = 8;

    private final BlockingQueue<ByteString> chunks = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
    private volatile String failure;
    private volatile boolean closed;
    private ByteString current = ByteString.EMPTY;
    private int pos;
    private boolean ended;

    void offer(ByteString data) {
        if (data.isEmpty()) {
            return;
        }
        put(data);
    }

    void end() {
        put(END);
    }

    void fail(String why) {
        failure = why;
        put(END);
    }

    private void put(ByteString data) {
        try {
            while (!closed && !chunks.offer(data, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // the worker is behind; wait unless it stopped reading
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos == current.size()) {
            if (ended) {
                return -1;
            }
            try {
                current = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the client's data");
            }
            pos = 0;
            if (current == END) {
                ended = true;
                current = ByteString.EMPTY;
                if (failure != null) {
                    throw new IOException("the client's stream failed: " + failure);
                }
            }
        }
        int n = Math.min(len, current.size() - pos);
        current.copyTo(b, pos, off, n);
        pos += n;
        return n;
    }

    /** The worker stopped reading: the client's remaining messages are dropped. */
    @Override
    public void close() {
        closed = true;
        chunks.clear();
    }
}
