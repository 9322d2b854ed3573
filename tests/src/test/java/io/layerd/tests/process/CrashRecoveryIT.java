package io.layerd.tests.process;

import io.layerd.api.admin.v1.StoredSnapshot;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Kind;
import io.layerd.daemon.cli.AdminClient;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon killed with SIGKILL in the middle of a burst of Prepare/Commit/Remove: after a
 * restart every acknowledged operation is there, no snapshot lacks its directory, and after
 * Cleanup no directory lacks its snapshot. Repeated over several rounds on one root, so each
 * round starts from the wreckage of the one before.
 */
class CrashRecoveryIT {
    static final int ROUNDS = 4;
    static final int CLIENTS = 6;

    @TempDir
    Path tmp;

    /** What an acknowledged call promises about a key. */
    enum Expect { ACTIVE, COMMITTED, GONE }

    /** What the daemon acknowledged before it died, per key. */
    final Map<String, Expect> acknowledged = new ConcurrentHashMap<>();
    /** Keys touched by a call that was in flight when the daemon died: either outcome is legal. */
    final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    @Test
    void killNineDuringABurstLeavesConsistentMetadata() throws Exception {
        Path root = tmp.resolve("r");
        for (int round = 0; round < ROUNDS; round++) {
            try (DaemonProcess d = DaemonProcess.start(root)) {
                burstThenKill(d, round);
            }
            try (DaemonProcess d = DaemonProcess.start(root);
                 DaemonChannel ch = new DaemonChannel(d.socket)) {
                GrpcSnapshotter s = new GrpcSnapshotter(ch.channel(), "lcow", "crash");
                checkAcknowledgedOperations(s, round);
                checkEverySnapshotHasItsDirectory(ch, d.root);
                s.cleanup();
                checkNoDirectoryWithoutItsSnapshot(ch, d.root);
                assertEquals(0, countEntries(d.root.resolve("snapshotters/lcow/tmp")), "tmp/ is emptied at start-up");
                assertTrue(d.terminate() >= 0);
            }
        }
    }

    private void burstThenKill(DaemonProcess d, int round) throws Exception {
        AtomicBoolean dead = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        List<Throwable> unexpected = new ArrayList<>();
        try (DaemonChannel ch = new DaemonChannel(d.socket)) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                Thread t = new Thread(() -> {
                    GrpcSnapshotter s = new GrpcSnapshotter(ch.channel(), "lcow", "crash");
                    Random random = new Random(round * 100L + client);
                    List<String> mine = new ArrayList<>();
                    int n = 0;
                    while (!dead.get()) {
                        try {
                            step(s, random, mine, "r" + round + "-c" + client + "-" + n++);
                        } catch (LayerdException e) {
                            if (!dead.get()) {
                                synchronized (unexpected) {
                                    unexpected.add(e);
                                }
                            }
                            return;
                        }
                    }
                }, "burst-" + c);
                clients.add(t);
                t.start();
            }
            // Let the burst do real work (a cold JVM on a loaded machine is slow), then pull the plug.
            int before = acknowledged.size();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (acknowledged.size() < before + 40 + 20 * round && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            dead.set(true);
            d.kill();
            for (Thread t : clients) {
                t.join(30_000);
            }
        }
        assertTrue(unexpected.isEmpty(), "errors before the kill: " + unexpected);
    }

    /** One random operation on this client's own keys; only acknowledged results are recorded. */
    private void step(GrpcSnapshotter s, Random random, List<String> mine, String fresh) {
        int op = mine.isEmpty() ? 0 : random.nextInt(3);
        if (op == 0) {
            inFlight.add(fresh);
            s.prepare(fresh, "", Map.of("round-key", fresh));
            acknowledged.put(fresh, Expect.ACTIVE);
            inFlight.remove(fresh);
            mine.add(fresh);
        } else if (op == 1 && acknowledged.get(mine.get(mine.size() - 1)) == Expect.ACTIVE) {
            String key = mine.remove(mine.size() - 1);
            String name = key + "-c";
            inFlight.add(key);
            inFlight.add(name);
            s.commit(name, key, Map.of("committed", "yes"), "");
            acknowledged.put(key, Expect.GONE);
            acknowledged.put(name, Expect.COMMITTED);
            inFlight.remove(key);
            inFlight.remove(name);
            mine.add(name);
        } else {
            String key = mine.remove(random.nextInt(mine.size()));
            inFlight.add(key);
            s.remove(key);
            acknowledged.put(key, Expect.GONE);
            inFlight.remove(key);
        }
    }

    private void checkAcknowledgedOperations(GrpcSnapshotter s, int round) {
        Map<String, Info> present = s.list(List.of()).stream().collect(Collectors.toMap(Info::name, i -> i));
        int checked = 0;
        for (Map.Entry<String, Expect> e : acknowledged.entrySet()) {
            String key = e.getKey();
            if (inFlight.contains(key)) {
                continue;
            }
            Info info = present.get(key);
            switch (e.getValue()) {
                case GONE -> assertTrue(info == null, "round " + round + ": acknowledged removal of " + key + " holds, found " + info);
                case ACTIVE -> {
                    assertTrue(info != null, "round " + round + ": acknowledged Prepare of " + key + " survives");
                    assertEquals(Kind.ACTIVE, info.kind(), key);
                    assertEquals(Map.of("round-key", key), info.labels(), key);
                }
                case COMMITTED -> {
                    assertTrue(info != null, "round " + round + ": acknowledged Commit of " + key + " survives");
                    assertEquals(Kind.COMMITTED, info.kind(), key);
                    assertEquals(Map.of("committed", "yes"), info.labels(), key);
                }
            }
            checked++;
        }
        assertTrue(checked > 10, "the burst did real work: " + checked + " acknowledged operations");
        // Everything in flight either completed or did not; decide now so later rounds check it.
        for (String key : inFlight) {
            Info info = present.get(key);
            acknowledged.put(key, info == null ? Expect.GONE : info.kind() == Kind.COMMITTED ? Expect.COMMITTED : Expect.ACTIVE);
        }
        inFlight.clear();
    }

    private static Set<String> snapshotDirs(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root.resolve("snapshotters/lcow/snapshots"))) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void checkEverySnapshotHasItsDirectory(DaemonChannel ch, Path root) throws Exception {
        Set<String> dirs = snapshotDirs(root);
        for (StoredSnapshot s : new AdminClient(ch.channel()).storedSnapshots("lcow")) {
            assertFalse(s.getDirectory().isEmpty(), "lcow active and committed snapshots own a directory: " + s.getKey());
            assertTrue(dirs.contains(Long.toString(s.getId())), "snapshot " + s.getKey() + " (id " + s.getId() + ") has its directory");
        }
        assertFalse(dirs.stream().anyMatch(n -> n.startsWith("rm-")), "interrupted removals are finished at start-up: " + dirs);
    }

    private static void checkNoDirectoryWithoutItsSnapshot(DaemonChannel ch, Path root) throws Exception {
        Set<String> ids = new AdminClient(ch.channel()).storedSnapshots("lcow").stream()
                .map(s -> Long.toString(s.getId())).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(ids, snapshotDirs(root), "after Cleanup the directories are exactly the snapshots'");
    }

    private static long countEntries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
