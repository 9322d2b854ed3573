package io.layerd.servicevm.bridge;

import com.google.protobuf.ByteString;
import io.layerd.api.servicevm.v1.Cancel;
import io.layerd.api.servicevm.v1.Chunk;
import io.layerd.api.servicevm.v1.Frame;
import io.layerd.api.servicevm.v1.Hello;
import io.layerd.api.servicevm.v1.HelloReply;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.servicevm.hypervisor.BridgeTransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host end of the bridge: several requests in flight over one transport, each matched to its
 * response by id; downloaded chunks are written to the caller's stream as they arrive, uploads
 * are cut into chunks. When the transport ends, every request in flight fails with
 * {@link BridgeClosedException} carrying {@code closedMessage} (which points at the console log).
 */
public final class BridgeClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BridgeClient.class);

    private final BridgeTransport transport;
    private final FrameCodec codec;
    private final Supplier<String> closedMessage;
    private final Map<Long, Call> calls = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile CompletableFuture<HelloReply> hello = new CompletableFuture<>();
    /** Errors the agent reported outside any request (bad frames); the newest 16 are kept. */
    private final java.util.concurrent.BlockingQueue<io.layerd.api.servicevm.v1.Error> unsolicited =
            new java.util.concurrent.LinkedBlockingQueue<>(16);
    private final Thread reader;
    private volatile IOException closed;

    public BridgeClient(BridgeTransport transport, Supplier<String> closedMessage) {
        this.transport = transport;
        this.codec = new FrameCodec(transport.input(), transport.output(), BridgeProtocol.MAX_FRAME_BYTES);
        this.closedMessage = closedMessage;
        this.reader = new Thread(this::readLoop, "bridge-reader " + transport.describe());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Offers protocol versions {@code min..max} until the agent answers (it may still be
     * booting: Hello is repeated every {@code retry}) or {@code timeout} passes.
     */
    public HelloReply handshake(int min, int max, Duration timeout, Duration retry) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        CompletableFuture<HelloReply> hello = new CompletableFuture<>();
        this.hello = hello;
        failIfClosed();
        Frame frame = Frame.newBuilder().setHello(Hello.newBuilder().setMinVersion(min).setMaxVersion(max).setHost("layerd")).build();
        while (true) {
            failIfClosed();
            codec.write(frame);
            long wait = Math.min(retry.toNanos(), end - System.nanoTime());
            try {
                HelloReply reply = hello.get(Math.max(1, wait), TimeUnit.NANOSECONDS);
                if (reply.hasError()) {
                    throw new BridgeException(reply.getError());
                }
                return reply;
            } catch (TimeoutException e) {
                if (System.nanoTime() >= end) {
                    throw new SocketTimeoutException("the guest agent did not answer within " + timeout.toMillis() + " ms; " + closedMessage.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the guest agent");
            } catch (ExecutionException e) {
                throw failure(e.getCause());
            }
        }
    }

    public HelloReply handshake(Duration timeout) throws IOException {
        return handshake(BridgeProtocol.VERSION, BridgeProtocol.VERSION, timeout, Duration.ofMillis(250));
    }

    /** Sends a request and waits for its response; an error response is thrown as {@link BridgeException}. */
    public Response call(Request request, Duration timeout) throws IOException {
        return call(request, timeout, null, null);
    }

    /**
     * As {@link #call(Request, Duration)}, uploading {@code upload} (if not null) in chunks after
     * the request, and writing downloaded chunks to {@code download} (if not null).
     */
    public Response call(Request request, Duration timeout, InputStream upload, OutputStream download) throws IOException {
        failIfClosed();
        long id = ids.incrementAndGet();
        Call call = new Call(download);
        calls.put(id, call);
        try {
            Request sent = request.getTimeoutMillis() == 0 ? request.toBuilder().setTimeoutMillis(timeout.toMillis()).build() : request;
            codec.write(Frame.newBuilder().setId(id).setRequest(sent).build());
            if (upload != null) {
                sendChunks(id, upload, call);
            }
            // The agent enforces the deadline itself; a little slack here covers the trip back.
            Response response = call.response.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            if (call.downloadFailure != null) {
                throw new IOException("writing the data the guest sent: " + call.downloadFailure.getMessage(), call.downloadFailure);
            }
            if (response.hasError()) {
                throw new BridgeException(response.getError());
            }
            return response;
        } catch (TimeoutException e) {
            cancel(id);
            throw new SocketTimeoutException("the guest agent did not answer request " + request.getOpCase() + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            cancel(id);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the guest agent");
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } finally {
            calls.remove(id);
        }
    }

    private void sendChunks(long id, InputStream upload, Call call) throws IOException {
        byte[] buffer = new byte[BridgeProtocol.MAX_CHUNK_BYTES];
        while (!call.response.isDone()) {
            int n = upload.readNBytes(buffer, 0, buffer.length);
            boolean last = n < buffer.length;
            codec.write(Frame.newBuilder().setId(id)
                    .setChunk(Chunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, n)).setLast(last)).build());
            if (last) {
                return;
            }
        }
    }

    private void cancel(long id) {
        try {
            codec.write(Frame.newBuilder().setId(id).setCancel(Cancel.getDefaultInstance()).build());
        } catch (IOException ignored) {
            // the bridge is gone: nothing to cancel
        }
    }

    private void readLoop() {
        IOException end = null;
        try {
            while (true) {
                Frame frame;
                try {
                    frame = codec.read();
                } catch (FrameCodec.OversizedFrameException | FrameCodec.MalformedFrameException e) {
                    log.warn("bridge {}: {}", transport.describe(), e.getMessage());
                    continue;
                }
                if (frame == null) {
                    break;
                }
                deliver(frame);
            }
        } catch (IOException e) {
            end = e;
        }
        BridgeClosedException failure = new BridgeClosedException(closedMessage.get(), end);
        closed = failure;
        hello.completeExceptionally(failure);
        calls.values().forEach(c -> c.response.completeExceptionally(failure));
    }

    private void deliver(Frame frame) {
        switch (frame.getBodyCase()) {
            case HELLO_REPLY -> hello.complete(frame.getHelloReply()); // replies to repeated Hellos are dropped
            case RESPONSE -> {
                Call call = calls.get(frame.getId());
                if (call != null) {
                    call.response.complete(frame.getResponse());
                } else if (frame.getResponse().hasError()) {
                    log.debug("bridge {}: agent reported for request {}: {}", transport.describe(), frame.getId(),
                            frame.getResponse().getError().getMessage());
                    while (!unsolicited.offer(frame.getResponse().getError())) {
                        unsolicited.poll();
                    }
                }
            }
            case CHUNK -> {
                Call call = calls.get(frame.getId());
                if (call != null && call.download != null && call.downloadFailure == null) {
                    try {
                        frame.getChunk().getData().writeTo(call.download);
                    } catch (IOException e) {
                        call.downloadFailure = e;
                        cancel(frame.getId());
                    }
                }
            }
            default -> log.warn("bridge {}: unexpected frame {} from the agent", transport.describe(), frame.getBodyCase());
        }
    }

    private void failIfClosed() throws IOException {
        IOException e = closed;
        if (e != null) {
            throw new BridgeClosedException(e.getMessage(), e);
        }
    }

    private static IOException failure(Throwable cause) {
        if (cause instanceof BridgeClosedException e) {
            return new BridgeClosedException(e.getMessage(), e);
        }
        return cause instanceof IOException e ? e : new IOException(cause);
    }

    /** The next error the agent reported outside a running request (e.g. about a bad frame), or null after {@code timeout}. */
    public io.layerd.api.servicevm.v1.Error awaitUnsolicitedError(Duration timeout) throws InterruptedException {
        return unsolicited.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** True once the transport has ended. */
    public boolean isClosed() {
        return closed != null;
    }

    /** Test hook: the raw frame writer, to send what a correct host never would. */
    public FrameCodec codec() {
        return codec;
    }

    @Override
    public void close() throws IOException {
        transport.close();
    }

    /** One request waiting for its response. */
    private static final class Call {
        final CompletableFuture<Response> response = new CompletableFuture<>();
        final OutputStream download;
        volatile IOException downloadFailure;

        Call(OutputStream download) {
            this.download = download;
        }
    }
}
