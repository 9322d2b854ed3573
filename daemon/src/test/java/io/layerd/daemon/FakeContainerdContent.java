package io.layerd.daemon;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.layerd.api.containerd.content.v1.ContentGrpc;
import io.layerd.api.containerd.content.v1.DeleteContentRequest;
import io.layerd.api.containerd.content.v1.Info;
import io.layerd.api.containerd.content.v1.InfoRequest;
import io.layerd.api.containerd.content.v1.InfoResponse;
import io.layerd.api.containerd.content.v1.ReadContentRequest;
import io.layerd.api.containerd.content.v1.ReadContentResponse;
import io.layerd.api.containerd.content.v1.WriteAction;
import io.layerd.api.containerd.content.v1.WriteContentRequest;
import io.layerd.api.containerd.content.v1.WriteContentResponse;
import io.layerd.core.content.Digests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * containerd's Content service as far as layerd uses it, on a unix socket: blobs per namespace,
 * reads in 1 MiB chunks with absolute offsets, writes checked at commit, errors with containerd's
 * codes (containerd-api.md §5). Records the namespace header of every call.
 */
final class FakeContainerdContent implements AutoCloseable {
    private static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
    private static final int READ_CHUNK = 1 << 20;

    /** namespace → digest → bytes. */
    final Map<String, Map<String, byte[]>> blobs = new ConcurrentHashMap<>();
    final List<String> namespacesSeen = new CopyOnWriteArrayList<>();
    private final EventLoopGroup loop = new EpollEventLoopGroup(1);
    private final Server server;

    FakeContainerdContent(Path socket) throws IOException {
        ServerInterceptor recordNamespace = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String ns = headers.get(NAMESPACE);
                namespacesSeen.add(String.valueOf(ns));
                if (ns == null) {
                    call.close(Status.FAILED_PRECONDITION.withDescription("namespace is required: failed precondition"), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return io.grpc.Contexts.interceptCall(io.grpc.Context.current().withValue(NS, ns), call, headers, next);
            }
        };
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .addService(ServerInterceptors.intercept(new Service(), recordNamespace))
                .build().start();
    }

    private static final io.grpc.Context.Key<String> NS = io.grpc.Context.key("ns");

    void put(String ns, byte[] blob) {
        blobs.computeIfAbsent(ns, k -> new ConcurrentHashMap<>()).put(Digests.of(blob), blob);
    }

    private Map<String, byte[]> space() {
        return blobs.computeIfAbsent(NS.get(), k -> new ConcurrentHashMap<>());
    }

    private final class Service extends ContentGrpc.ContentImplBase {
        @Override
        public void info(InfoRequest r, StreamObserver<InfoResponse> out) {
            byte[] b = space().get(r.getDigest());
            if (b == null) {
                out.onError(Status.NOT_FOUND.withDescription("content digest " + r.getDigest() + ": not found").asRuntimeException());
                return;
            }
            out.onNext(InfoResponse.newBuilder().setInfo(Info.newBuilder().setDigest(r.getDigest()).setSize(b.length)).build());
            out.onCompleted();
        }

        @Override
        public void read(ReadContentRequest r, StreamObserver<ReadContentResponse> out) {
            byte[] b = space().get(r.getDigest());
            if (b == null) {
                out.onError(Status.NOT_FOUND.withDescription("not found").asRuntimeException());
                return;
            }
            if (r.getOffset() > b.length) {
                out.onError(Status.OUT_OF_RANGE.withDescription("offset " + r.getOffset() + " beyond " + b.length).asRuntimeException());
                return;
            }
            int end = r.getSize() <= 0 || r.getOffset() + r.getSize() > b.length ? b.length : (int) (r.getOffset() + r.getSize());
            for (int off = (int) Math.max(0, r.getOffset()); off < end; off += READ_CHUNK) {
                out.onNext(ReadContentResponse.newBuilder().setOffset(off)
                        .setData(ByteString.copyFrom(b, off, Math.min(READ_CHUNK, end - off))).build());
            }
            out.onCompleted();
        }

        @Override
        public void delete(DeleteContentRequest r, StreamObserver<Empty> out) {
            if (space().remove(r.getDigest()) == null) {
                out.onError(Status.NOT_FOUND.withDescription("not found").asRuntimeException());
                return;
            }
            out.onNext(Empty.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public StreamObserver<WriteContentRequest> write(StreamObserver<WriteContentResponse> out) {
            Map<String, byte[]> space = space();
            return new StreamObserver<>() {
                final ByteArrayOutputStream data = new ByteArrayOutputStream();

                @Override
                public void onNext(WriteContentRequest r) {
                    if (!r.getExpected().isEmpty() && space.containsKey(r.getExpected())) {
                        out.onError(Status.ALREADY_EXISTS.withDescription(r.getExpected() + ": already exists").asRuntimeException());
                        return;
                    }
                    data.writeBytes(r.getData().toByteArray());
                    if (r.getAction() == WriteAction.COMMIT) {
                        String digest = Digests.of(data.toByteArray());
                        if (data.size() != r.getTotal() || !digest.equals(r.getExpected())) {
                            out.onError(Status.FAILED_PRECONDITION.withDescription("unexpected commit digest " + digest).asRuntimeException());
                            return;
                        }
                        space.put(digest, data.toByteArray());
                        out.onNext(WriteContentResponse.newBuilder().setAction(r.getAction()).setOffset(data.size()).setDigest(digest).build());
                        out.onCompleted();
                        return;
                    }
                    out.onNext(WriteContentResponse.newBuilder().setAction(r.getAction()).setOffset(data.size()).build());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
