package io.layerd.daemon;

import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.server.Daemon;

import java.nio.file.Path;

/** A daemon on a test root with a client channel to it. */
public final class TestDaemon implements AutoCloseable {
    public final Daemon daemon;
    public final DaemonChannel channel;

    private TestDaemon(Daemon daemon) {
        this.daemon = daemon;
        this.channel = new DaemonChannel(daemon.address());
    }

    /** Default instances ({@code lcow}, {@code cimfs}) under {@code root}. */
    public static TestDaemon start(Path root) {
        return start(root, "");
    }

    public static TestDaemon start(Path root, String toml) {
        return new TestDaemon(Daemon.start(BlankScratchTemplates.seed(ConfigLoader.parse(toml, root, "test"))));
    }

    public GrpcSnapshotter snapshotter(String name) {
        return new GrpcSnapshotter(channel.channel(), name, "test");
    }

    @Override
    public void close() {
        channel.close();
        daemon.close();
    }
}
