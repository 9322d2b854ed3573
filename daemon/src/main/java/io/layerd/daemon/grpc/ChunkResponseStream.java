package io.layerd.daemon.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.layerd.core.io.ChunkingOutputStream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.function.Function;

/**
 * Bytes written here leave as a server stream of chunk messages. A chunk waits while the
 * client's window is full, so a slow reader slows the producer instead of filling the heap.
 */
final class ChunkResponseStream<T> extends ChunkingOutputStream {
    static final int CHUNK_BYTES = 1 << 20;

    private final ServerCallStreamObserver<T> responses;
    private final Function<ByteString, T> message;
    private final Object ready = new Object();

    ChunkResponseStream(StreamObserver<T> responses, Function<ByteString, T> message) {
        super(CHUNK_BYTES);
        this.responses = (ServerCallStreamObserver<T>) responses;
        this.message = message;
        Runnable wake = () -> {
            synchronized (ready) {
                ready.notifyAll();
            }
        };
        this.responses.setOnReadyHandler(wake);
        this.responses.setOnCancelHandler(wake);
    }

    @Override
    protected void emit(byte[] chunk, int length) throws IOException {
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
        // The chunk is ours now (a new one is being filled): no copy.
        responses.onNext(message.apply(UnsafeByteOperations.unsafeWrap(chunk, 0, length)));
    }
}
