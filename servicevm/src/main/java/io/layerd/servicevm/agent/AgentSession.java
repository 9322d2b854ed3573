package io.layerd.servicevm.agent;

import com.google.protobuf.ByteString;
import io.layerd.api.servicevm.v1.Chunk;
import io.layerd.api.servicevm.v1.Frame;
import io.layerd.api.servicevm.v1.Hello;
import io.layerd.api.servicevm.v1.HelloReply;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.core.io.BulkInputStream;
import io.layerd.servicevm.bridge.BridgeProtocol;
import io.layerd.servicevm.bridge.FrameCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serves the bridge over one connection: answers Hello, runs each Request on a thread of its own
 * (so slow requests do not hold up quick ones), routes uploaded chunks to their request, enforces
 * deadlines and cancellation. Returns from {@link #serve} when the host closes the connection.
 *
 * <p>Bad input never ends the session: an oversized or malformed frame, an unknown request id, a
 * wrong protocol version or an unknown operation each get an error frame and the loop goes on.
 */
public final class AgentSession {
    /** Used when a request carries no timeout. */
    static final long DEFAULT_TIMEOUT_MILLIS = 120_000;
    /** Uploaded chunks buffered per request before the reader waits for the operation. */
    private static final int UPLOAD_QUEUE = 16;

    private final FrameCodec codec;
    private final Operations operations;
    private final String agentVersion;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private volatile boolean helloDone;

    public AgentSession(InputStream in, OutputStream out, Operations operations, String agentVersion) {
        this.codec = new FrameCodec(in, out, BridgeProtocol.MAX_FRAME_BYTES);
        this.operations = operations;
        this.agentVersion = agentVersion;
        this.workers = Executors.newCachedThreadPool(r -> daemon(r, "agent-request"));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "agent-deadlines"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Reads frames until the host closes the stream; then cancels what still runs. */
    public void serve() throws IOException {
        try {
            while (true) {
                Frame frame;
                try {
                    frame = codec.read();
                } catch (FrameCodec.OversizedFrameException | FrameCodec.MalformedFrameException e) {
                    sendError(0, e instanceof FrameCodec.OversizedFrameException ? Errno.EMSGSIZE : Errno.EPROTO, e.getMessage());
                    continue;
                }
                if (frame == null) {
                    return;
                }
                dispatch(frame);
            }
        } finally {
            running.values().forEach(r -> r.cancel("the host closed the bridge"));
            workers.shutdownNow();
            timer.shutdownNow();
        }
    }

    private void dispatch(Frame frame) throws IOException {
        switch (frame.getBodyCase()) {
            case HELLO -> hello(frame.getHello());
            case REQUEST -> start(frame.getId(), frame.getRequest());
            case CHUNK -> {
                Running r = running.get(frame.getId());
                if (r == null) {
                    sendError(frame.getId(), Errno.EINVAL, "chunk for request " + frame.getId() + ", which is not running");
                } else {
                    r.upload.offerChunk(frame.getChunk());
                }
            }
            case CANCEL -> {
                Running r = running.get(frame.getId());
                if (r != null) {
                    r.cancel("cancelled by the host");
                }
            }
            default -> sendError(frame.getId(), Errno.EPROTO, "unexpected frame " + frame.getBodyCase() + " from the host");
        }
    }

    private void hello(Hello hello) throws IOException {
        HelloReply.Builder reply = HelloReply.newBuilder().setAgentVersion(agentVersion)
                .setMaxFrameBytes(BridgeProtocol.MAX_FRAME_BYTES).setMaxChunkBytes(BridgeProtocol.MAX_CHUNK_BYTES);
        if (hello.getMinVersion() > BridgeProtocol.VERSION || hello.getMaxVersion() < BridgeProtocol.VERSION) {
            reply.setError(new AgentException(Errno.EPROTONOSUPPORT, "the agent speaks bridge protocol version " + BridgeProtocol.VERSION
                    + ", the host offered " + hello.getMinVersion() + ".." + hello.getMaxVersion()).toProto());
        } else {
            reply.setVersion(BridgeProtocol.VERSION);
            helloDone = true;
        }
        codec.write(Frame.newBuilder().setHelloReply(reply).build());
    }

    private void start(long id, Request request) throws IOException {
        if (!helloDone) {
            sendError(id, Errno.EPROTO, "request before a successful Hello: send Hello with a supported version first");
            return;
        }
        if (id == 0 || running.containsKey(id)) {
            sendError(id, Errno.EINVAL, id == 0 ? "request id 0 is reserved" : "request id " + id + " is already running");
            return;
        }
        Operation op = operations.forCase(request.getOpCase());
        if (op == null) {
            sendError(id, Errno.ENOSYS, "operation " + request.getOpCase() + " is not supported by agent " + agentVersion);
            return;
        }
        long timeout = request.getTimeoutMillis() > 0 ? request.getTimeoutMillis() : DEFAULT_TIMEOUT_MILLIS;
        Running r = new Running(id, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout));
        running.put(id, r);
        r.future = workers.submit(() -> r.run(op, request));
        r.deadline = timer.schedule(() -> r.cancel("timed out after " + timeout + " ms"), timeout, TimeUnit.MILLISECONDS);
    }

    private void sendError(long id, Errno errno, String message) throws IOException {
        codec.write(Frame.newBuilder().setId(id)
                .setResponse(Response.newBuilder().setError(new AgentException(errno, message).toProto())).build());
    }

    /** One request in progress. */
    private final class Running implements RequestContext {
        private final long id;
        private final long deadlineNanos;
        private final Upload upload = new Upload();
        private final Download download = new Download();
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile Future<?> future;
        private volatile ScheduledFuture<?> deadline;
        private volatile String waitingFor;

        Running(long id, long deadlineNanos) {
            this.id = id;
            this.deadlineNanos = deadlineNanos;
        }

        void run(Operation op, Request request) {
            Response response;
            try {
                response = op.run(request, this);
                download.flush();
            } catch (AgentException e) {
                response = Response.newBuilder().setError(e.toProto()).build();
            } catch (InterruptedException | InterruptedIOException e) {
                response = null; // cancel() has answered
            } catch (Exception e) {
                response = Response.newBuilder().setError(new AgentException(Errno.EIO, String.valueOf(e.getMessage() == null ? e : e.getMessage())).toProto()).build();
            }
            if (response != null) {
                answer(response);
            }
            finish();
        }

        void cancel(String why) {
            Errno errno = why.startsWith("timed out") ? Errno.ETIMEDOUT : Errno.ECANCELED;
            String waited = waitingFor;
            String message = "request " + id + " " + why + (waited == null ? "" : ": " + waited);
            answer(Response.newBuilder().setError(new AgentException(errno, message).toProto()).build());
            Future<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
            upload.abort();
            finish();
        }

        private void answer(Response response) {
            if (answered.compareAndSet(false, true)) {
                Frame frame = Frame.newBuilder().setId(id).setResponse(response).build();
                try {
                    if (frame.getSerializedSize() > BridgeProtocol.MAX_FRAME_BYTES) {
                        // The host would wait for an answer that never comes: say why instead.
                        frame = Frame.newBuilder().setId(id).setResponse(Response.newBuilder().setError(new AgentException(Errno.EMSGSIZE,
                                "the response of " + frame.getSerializedSize() + " bytes exceeds the " + BridgeProtocol.MAX_FRAME_BYTES
                                        + "-byte frame limit").toProto())).build();
                    }
                    codec.write(frame);
                } catch (IOException e) {
                    // The host is gone; serve() ends on its next read.
                }
            }
        }

        private void finish() {
            running.remove(id, this);
            // The reader may be waiting for room in this request's chunk queue; an operation that
            // has ended will never make room, and later chunks are answered as "not running".
            upload.abort();
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public long deadlineNanos() {
            return deadlineNanos;
        }

        @Override
        public void describeWait(String whatDidNotHappen) {
            waitingFor = whatDidNotHappen;
        }

        @Override
        public InputStream upload() {
            return upload;
        }

        @Override
        public OutputStream download() {
            return download;
        }

        /** Chunks from the host, read by the operation. */
        private final class Upload extends BulkInputStream {
            private final BlockingQueue<Chunk> chunks = new ArrayBlockingQueue<>(UPLOAD_QUEUE);
            private volatile boolean aborted;
            private ByteString current = ByteString.EMPTY;
            private int pos;
            private boolean last;

            void offerChunk(Chunk chunk) {
                try {
                    // Blocks the reader when the operation falls behind: the host's writes then
                    // wait too, which is the flow control a byte stream offers.
                    while (!aborted && !chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                        // retry until taken or the request ends
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            void abort() {
                aborted = true;
                chunks.clear();
            }

            @Override
            protected int readBulk(byte[] b, int off, int len) throws IOException {
                while (pos == current.size()) {
                    if (last) {
                        return -1;
                    }
                    Chunk c;
                    try {
                        c = chunks.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("request " + id + " ended while waiting for uploaded data");
                    }
                    current = c.getData();
                    pos = 0;
                    last = c.getLast();
                }
                int n = Math.min(len, current.size() - pos);
                current.copyTo(b, pos, off, n);
                pos += n;
                return n;
            }
        }

        /** Bytes for the host, sent in chunks of at most MAX_CHUNK_BYTES. */
        private final class Download extends OutputStream {
            private final byte[] buffer = new byte[BridgeProtocol.MAX_CHUNK_BYTES];
            private int filled;

            @Override
            public void write(int b) throws IOException {
                if (filled == buffer.length) {
                    flush();
                }
                buffer[filled++] = (byte) b;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    if (filled == buffer.length) {
                        flush();
                    }
                    int n = Math.min(len, buffer.length - filled);
                    System.arraycopy(b, off, buffer, filled, n);
                    filled += n;
                    off += n;
                    len -= n;
                }
            }

            @Override
            public void flush() throws IOException {
                if (filled == 0) {
                    return;
                }
                if (answered.get()) {
                    throw new InterruptedIOException("request " + id + " was already answered");
                }
                codec.write(Frame.newBuilder().setId(id)
                        .setChunk(Chunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, filled))).build());
                filled = 0;
            }
        }
    }
}
