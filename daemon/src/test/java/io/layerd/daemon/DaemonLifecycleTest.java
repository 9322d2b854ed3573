package io.layerd.daemon;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Kind;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.server.Daemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up, the socket, the root lock, several instances, and graceful shutdown. */
class DaemonLifecycleTest {
    @TempDir
    Path root;

    @Test
    void socketIsMode0660AndHealthSaysServing() throws Exception {
        try (TestDaemon d = TestDaemon.start(root)) {
            Path socket = root.resolve("layerd.sock");
            assertEquals(socket, d.daemon.address());
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            var health = HealthGrpc.newBlockingStub(d.channel.channel()).check(HealthCheckRequest.getDefaultInstance());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
        }
    }

    @Test
    void aSecondDaemonOnTheSameRootIsRefusedWithTheHoldersPid() {
        try (TestDaemon d = TestDaemon.start(root)) {
            LayerdException e = assertThrows(LayerdException.class, () -> TestDaemon.start(root));
            assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
            assertTrue(e.getMessage().contains(Long.toString(ProcessHandle.current().pid())), e.getMessage());
            assertTrue(e.getMessage().contains(root.toString()), e.getMessage());
            // the first daemon is unaffected
            assertEquals(1, d.snapshotter("lcow").prepare("still-serving", "", Map.of()).size());
        }
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path socket = root.resolve("layerd.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // leaves the socket file behind when closed
        }
        assertTrue(Files.exists(socket));
        try (TestDaemon d = TestDaemon.start(root)) {
            assertEquals(1, d.snapshotter("lcow").prepare("k", "", Map.of()).size());
        }
    }

    @Test
    void aSocketSomeoneAnswersOnIsNotStolen() throws Exception {
        Path socket = root.resolve("other.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            String toml = "[grpc]\naddress = \"" + socket + "\"\n";
            LayerdException e = assertThrows(LayerdException.class, () -> TestDaemon.start(root.resolve("r"), toml));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            assertTrue(Files.exists(socket), "the other process keeps its socket");
        }
    }

    @Test
    void anOverlongSocketPathIsAClearError() {
        Path deep = root.resolve("x".repeat(120));
        String toml = "[grpc]\naddress = \"" + deep.resolve("s.sock") + "\"\n";
        LayerdException e = assertThrows(LayerdException.class, () -> TestDaemon.start(root, toml));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("107"), e.getMessage());
    }

    @Test
    void closeRemovesTheSocketAndReleasesTheRoot() {
        TestDaemon d = TestDaemon.start(root);
        d.snapshotter("lcow").prepare("kept", "", Map.of("l", "v"));
        d.close();
        assertFalse(Files.exists(root.resolve("layerd.sock")));
        try (TestDaemon again = TestDaemon.start(root)) {
            assertEquals(Map.of("l", "v"), again.snapshotter("lcow").stat("kept").labels());
        }
    }

    @Test
    void severalInstancesOfOneTypeAreServedSeparately() {
        String toml = """
                [plugins.lcow-a]
                type = "lcow"
                [plugins.lcow-b]
                type = "lcow"
                root = "%s"
                [plugins.win]
                type = "cimfs"
                """.formatted(root.resolve("elsewhere/b"));
        try (TestDaemon d = TestDaemon.start(root, toml)) {
            d.snapshotter("lcow-a").prepare("k", "", Map.of());
            assertThrows(LayerdException.class, () -> d.snapshotter("lcow-b").stat("k"));
            d.snapshotter("lcow-b").prepare("k", "", Map.of());
            assertEquals("CimFS", d.snapshotter("win").prepare("extract-k", "", Map.of()).get(0).type());
            assertTrue(Files.isDirectory(root.resolve("snapshotters/lcow-a/snapshots/1")));
            assertTrue(Files.isDirectory(root.resolve("elsewhere/b/snapshots/1")));
            LayerdException e = assertThrows(LayerdException.class, () -> d.snapshotter("lcow").stat("k"));
            assertEquals(ErrorKind.NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("lcow-a") && e.getMessage().contains("win"), e.getMessage());
        }
    }

    @Test
    void anUnknownPluginTypeFailsStartUpNamingTheKnownTypes() {
        LayerdException e = assertThrows(LayerdException.class,
                () -> TestDaemon.start(root, "[plugins.x]\ntype = \"zfs\"\n"));
        assertTrue(e.getMessage().contains("zfs") && e.getMessage().contains("lcow") && e.getMessage().contains("cimfs"), e.getMessage());
        try (TestDaemon d = TestDaemon.start(root)) {
            assertTrue(Files.exists(d.daemon.address()), "a failed start leaves the root usable");
        }
    }

    @Test
    void shutdownLetsCallsInFlightFinish() throws Exception {
        Daemon daemon = Daemon.start(BlankScratchTemplates.seed(ConfigLoader.parse("", root, "test")));
        List<Future<String>> calls = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (var ch = new io.layerd.daemon.client.DaemonChannel(daemon.address())) {
            GrpcSnapshotter s = new GrpcSnapshotter(ch.channel(), "lcow", "test");
            s.prepare("warm", "", Map.of());
            for (int i = 0; i < 400; i++) {
                int n = i;
                calls.add(pool.submit(() -> {
                    try {
                        s.prepare("k" + n, "", Map.of());
                        return "ok:k" + n;
                    } catch (LayerdException e) {
                        // refused after shutdown began: never half-done
                        assertEquals(ErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
                        return "refused";
                    }
                }));
            }
            Thread.sleep(50);
            daemon.close();
            List<String> done = new ArrayList<>();
            for (Future<String> f : calls) {
                String r = f.get();
                if (r.startsWith("ok:")) {
                    done.add(r.substring(3));
                }
            }
            assertFalse(done.isEmpty(), "some calls ran before the shutdown");
            pool.shutdown();
            try (TestDaemon again = TestDaemon.start(root)) {
                GrpcSnapshotter after = again.snapshotter("lcow");
                for (String key : done) {
                    assertEquals(Kind.ACTIVE, after.stat(key).kind(), "a call that returned OK was durable: " + key);
                }
                long recorded = after.list(List.of()).size();
                long dirs;
                try (var listing = Files.list(root.resolve("snapshotters/lcow/snapshots"))) {
                    dirs = listing.count();
                }
                assertEquals(recorded, dirs, "every recorded snapshot has its directory and no more");
            }
        }
    }

    @Test
    void statusOfACallToAStoppedDaemonIsUnavailable() {
        TestDaemon d = TestDaemon.start(root);
        var ch = new io.layerd.daemon.client.DaemonChannel(d.daemon.address());
        d.close();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> HealthGrpc.newBlockingStub(ch.channel()).check(HealthCheckRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        ch.close();
    }
}
