package io.layerd.tests.process;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM stops the daemon gracefully: calls in flight finish, the socket goes, a restart keeps everything. */
class SignalIT {
    @TempDir
    Path tmp;

    @Test
    void sigtermFinishesCallsRemovesTheSocketAndRestartKeepsEverything() throws Exception {
        Path root = tmp.resolve("r");
        Set<String> acknowledged = new TreeSet<>();
        Map<String, Info> before;
        try (DaemonProcess d = DaemonProcess.start(root)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<String>> calls = new ArrayList<>();
            try (DaemonChannel ch = new DaemonChannel(d.socket)) {
                GrpcSnapshotter s = new GrpcSnapshotter(ch.channel(), "lcow", "signal");
                s.prepare("base-a", "", Map.of("keep", "me"));
                s.commit("base", "base-a", Map.of("layer", "0"), "");
                for (int i = 0; i < 2000; i++) {
                    int n = i;
                    calls.add(pool.submit(() -> {
                        try {
                            s.prepare("k" + n, "base", Map.of("n", Integer.toString(n)));
                            return "k" + n;
                        } catch (LayerdException e) {
                            assertEquals(ErrorKind.UNAVAILABLE, e.kind(), "refused, never half-done: " + e.getMessage());
                            return null;
                        }
                    }));
                }
                Thread.sleep(300);
                int exit = d.terminate();
                assertEquals(143, exit, "exit status of a JVM stopped by SIGTERM\n" + d.log());
                for (Future<String> f : calls) {
                    String key = f.get();
                    if (key != null) {
                        acknowledged.add(key);
                    }
                }
            }
            pool.shutdown();
            assertFalse(Files.exists(d.socket), "the socket is removed on shutdown");
            assertTrue(d.log().contains("stopped"), d.log());
            assertFalse(acknowledged.isEmpty(), "calls ran before SIGTERM");
        }
        try (DaemonProcess d = DaemonProcess.start(root);
             DaemonChannel ch = new DaemonChannel(d.socket)) {
            GrpcSnapshotter s = new GrpcSnapshotter(ch.channel(), "lcow", "signal");
            before = s.list(List.of()).stream().collect(Collectors.toMap(Info::name, i -> i));
            for (String key : acknowledged) {
                assertEquals(Map.of("n", key.substring(1)), before.get(key).labels(), key);
            }
            assertEquals(Map.of("layer", "0"), before.get("base").labels());
            d.terminate();
        }
        try (DaemonProcess d = DaemonProcess.start(root);
             DaemonChannel ch = new DaemonChannel(d.socket)) {
            Map<String, Info> after = new GrpcSnapshotter(ch.channel(), "lcow", "signal").list(List.of()).stream()
                    .collect(Collectors.toMap(Info::name, i -> i));
            assertEquals(before, after, "a restart keeps every snapshot, label and time");
        }
    }
}
