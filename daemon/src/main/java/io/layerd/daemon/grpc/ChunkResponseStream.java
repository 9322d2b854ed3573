package io.layerd.daemon.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.function.Function;

/**
 * Bytes written here leave as a server stream of chunk messages. A write waits while the
 * client's window is full, so a slow reader slows the producer instead of filling the heap.
 */
final class ChunkResponseStream<T> extends OutputStream {
    static final int CHUNK_BYTES = 1 << 20;

    private final ServerCallStreamObserver<T> responses;
    private final Function<ByteString, T> message;
    private final byte[] buffer = new byte[CHUNK_BYTES];
    private final Object ready = new Object();
    private int filled;

    ChunkResponseStream(StreamObserver<T> responses, Function<ByteString, T> message) {
        this.responses = (ServerCallStreamObserver<T>) responses;
        this.message = message;
        this.responses.setOnReadyHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
        this.responses.setOnCancelHandler(() -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        });
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == buffer.length) {
                send();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (filled > 0) {
            send();
        }
    }

    private void send() throws IOException {
        synchronized (ready) {
            while (!responses.isReady()) {
                if (responses.isCancelled()) {
                    throw new IOException("the client cancelled the call");
                }
                try {
                    ready.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the client was not reading");
                }
            }
        }
        responses.onNext(message.apply(ByteString.copyFrom(buffer, 0, filled)));
        filled = 0;
    }
}
