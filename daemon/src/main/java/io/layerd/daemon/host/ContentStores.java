package io.layerd.daemon.host;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.layerd.core.content.ContainerdContentStore;
import io.layerd.core.content.ContentStore;
import io.layerd.core.content.LocalContentStore;
import io.layerd.daemon.config.ContentConfig;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Where Apply reads blobs from. With {@code [content] containerd_address} set, containerd's own
 * content store (the blobs containerd pulled), per caller namespace; otherwise layerd's local
 * store at {@code <root>/content}, for standalone use.
 */
public final class ContentStores implements AutoCloseable {
    /** containerd's server allows 16 MiB messages; its Read chunks are 1 MiB. */
    private static final int MAX_MESSAGE_BYTES = 16 << 20;

    private final LocalContentStore local;
    private final EventLoopGroup loop;
    private final ManagedChannel containerd;

    private ContentStores(LocalContentStore local, EventLoopGroup loop, ManagedChannel containerd) {
        this.local = local;
        this.loop = loop;
        this.containerd = containerd;
    }

    public static ContentStores open(ContentConfig config, Path root) {
        if (config.containerdAddress() == null) {
            return new ContentStores(new LocalContentStore(config.localRoot(root)), null, null);
        }
        // The channel connects lazily: containerd may start after layerd.
        EventLoopGroup loop = new EpollEventLoopGroup(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(config.containerdAddress().toFile()))
                .eventLoopGroup(loop)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build();
        return new ContentStores(null, loop, channel);
    }

    /** The store a request from containerd namespace {@code namespace} (may be null) reads from. */
    public ContentStore forNamespace(String namespace) {
        return containerd != null ? new ContainerdContentStore(containerd, namespace) : local;
    }

    @Override
    public void close() {
        if (containerd != null) {
            containerd.shutdownNow();
            try {
                containerd.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
