package io.layerd.daemon.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.plugin.PluginServices;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchResizer;
import io.layerd.lcow.scratch.ScratchFormatter;
import io.layerd.daemon.config.DaemonConfig;
import io.layerd.daemon.grpc.AdminService;
import io.layerd.daemon.grpc.CallerNamespace;
import io.layerd.daemon.grpc.DiffService;
import io.layerd.daemon.grpc.RequestIds;
import io.layerd.daemon.grpc.SnapshotsService;
import io.layerd.daemon.grpc.ServiceVmsService;
import io.layerd.cimfs.CimfsScratchProvider;
import io.layerd.daemon.host.NtfsScratchProvider;
import io.layerd.daemon.host.Appliers;
import io.layerd.daemon.host.ContentStores;
import io.layerd.daemon.host.PluginHost;
import io.layerd.daemon.host.ServiceVmScratchExporter;
import io.layerd.daemon.host.ServiceVmScratchResizer;
import io.layerd.daemon.host.SnapshotFileAccess;
import io.layerd.daemon.grpc.SnapshotFilesService;
import io.layerd.daemon.host.ServiceVmScratchFormatter;
import io.layerd.daemon.host.ServiceVmHost;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.differ.DiffRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A running layerd: the data-root lock, the plugin instances, and the gRPC server on the unix
 * socket serving Snapshots, Diff, Admin, ServiceVms and Health. {@link #close()} stops it gracefully: new
 * calls are refused, calls in flight finish (up to a grace period), then plugins close and the
 * socket file is removed.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /** containerd's proxy client allows 16 MiB messages; accept the same. */
    private static final int MAX_MESSAGE_BYTES = 16 << 20;
    private static final Duration GRACE = Duration.ofSeconds(30);

    private final DaemonConfig config;
    private final RootLock lock;
    private final PluginHost host;
    private final ServiceVmManager vms;
    private final ContentStores content;
    private final ServiceVmsService vmService;
    private final HealthStatusManager health = new HealthStatusManager();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Server server;
    private boolean closed;

    private Daemon(DaemonConfig config, RootLock lock, PluginHost host, ServiceVmManager vms, ContentStores content)
            throws IOException {
        this.config = config;
        this.lock = lock;
        this.host = host;
        this.vms = vms;
        this.content = content;
        this.vmService = new ServiceVmsService(vms);
        this.boss = new EpollEventLoopGroup(1);
        this.workers = new EpollEventLoopGroup(2);
        RequestIds requestIds = new RequestIds();
        this.server = NettyServerBuilder.forAddress(new DomainSocketAddress(config.address().toFile()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .addService(ServerInterceptors.intercept(new SnapshotsService(host), requestIds))
                .addService(ServerInterceptors.intercept(new DiffService(new DiffRouter(Appliers.of(host),
                        Appliers.comparers(host, new ServiceVmScratchExporter(vms), diffTemp(config))), content),
                        new CallerNamespace(), requestIds))
                .addService(ServerInterceptors.intercept(new AdminService(host, config), requestIds))
                .addService(ServerInterceptors.intercept(vmService, requestIds))
                .addService(ServerInterceptors.intercept(new SnapshotFilesService(new SnapshotFileAccess(host::snapshotter, vms)), requestIds))
                .addService(health.getHealthService())
                .build();
        server.start();
    }

    /** Locks the root, opens the plugins and starts serving; fails with a clear message otherwise. */
    public static Daemon start(DaemonConfig config) {
        RootLock lock = RootLock.acquire(config.lockFile());
        PluginHost host = null;
        ServiceVmManager vms = null;
        ContentStores content = null;
        try {
            UnixSockets.prepare(config.address());
            // The service VM manager comes first: plugins get services built on it. It boots
            // nothing until a first lease, so starting it costs nothing when no plugin needs it.
            vms = ServiceVmHost.start(config);
            host = PluginHost.start(config.plugins(), PluginServices.NONE
                    .with(ScratchFormatter.class, new ServiceVmScratchFormatter(vms))
                    .with(ScratchExporter.class, new ServiceVmScratchExporter(vms))
                    .with(ScratchResizer.class, new ServiceVmScratchResizer(vms))
                    .with(CimfsScratchProvider.class, new NtfsScratchProvider(config.root().resolve("cimfs-templates"))));
            content = ContentStores.open(config.content(), config.root());
            Appliers.removeLeftovers(diffTemp(config));
            Daemon d = new Daemon(config, lock, host, vms, content);
            UnixSockets.restrict(config.address());
            log.info("layerd {} serving {} on {} (root {})", AdminService.VERSION, host.names(), config.address(), config.root());
            return d;
        } catch (IOException e) {
            closeQuietly(content, host, vms, lock);
            throw LayerdException.internal("cannot listen on " + config.address() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(content, host, vms, lock);
            throw e;
        }
    }

    /** Where Diff stages a layer blob before it goes into the content store. */
    private static Path diffTemp(DaemonConfig config) {
        return config.root().resolve("diff-tmp");
    }

    public DaemonConfig config() {
        return config;
    }

    public Path address() {
        return config.address();
    }

    /** The service VMs this daemon's plugins use (booted on first use). */
    public ServiceVmManager serviceVms() {
        return vms;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("shutting down: finishing calls in flight");
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(GRACE.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("calls still running after {} s; cancelling them", GRACE.toSeconds());
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        vmService.releaseAll();
        vms.close();
        content.close();
        host.close();
        try {
            Files.deleteIfExists(config.address());
        } catch (IOException e) {
            log.warn("cannot remove socket {}: {}", config.address(), e.toString());
        }
        lock.close();
        log.info("stopped");
    }

    private static void closeQuietly(ContentStores content, PluginHost host, ServiceVmManager vms, RootLock lock) {
        if (content != null) {
            content.close();
        }
        if (vms != null) {
            vms.close();
        }
        if (host != null) {
            host.close();
        }
        lock.close();
    }
}
