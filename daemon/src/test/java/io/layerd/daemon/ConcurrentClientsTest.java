package io.layerd.daemon;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Kind;
import io.layerd.daemon.client.GrpcSnapshotter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 8 clients doing 2,000 mixed operations at once over the socket. Half of each client's work
 * contends on shared keys, where only containerd's semantic errors may appear; the other half
 * is private, where a client's own model of its snapshots must match the daemon exactly, and
 * every client's label updates on one shared snapshot must all survive (no lost update).
 */
class ConcurrentClientsTest {
    static final int CLIENTS = 8;
    static final int OPS_PER_CLIENT = 250;
    static final int SHARED_KEYS = 6;

    @TempDir
    Path root;

    @Test
    void mixedOperationsFromEightClients() throws Exception {
        try (TestDaemon d = TestDaemon.start(root)) {
            GrpcSnapshotter setup = d.snapshotter("lcow");
            setup.prepare("base-a", "", Map.of());
            setup.commit("base", "base-a", Map.of(), "");

            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<ClientResult>> futures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                futures.add(pool.submit(new Client(c, d.snapshotter("lcow"))));
            }
            List<ClientResult> results = new ArrayList<>();
            for (Future<ClientResult> f : futures) {
                results.add(f.get());
            }
            pool.shutdown();

            int ops = results.stream().mapToInt(r -> r.ops).sum();
            assertEquals(CLIENTS * OPS_PER_CLIENT, ops);
            int contended = results.stream().mapToInt(r -> r.expectedErrors).sum();
            assertTrue(contended > 0, "the shared keys really were contended");

            Map<String, String> labels = setup.stat("base").labels();
            for (ClientResult r : results) {
                assertEquals(Integer.toString(r.lastLabelValue), labels.get("client-" + r.client),
                        "client " + r.client + "'s last label update survived");
                Set<String> own = setup.list(List.of("name~=^own-" + r.client + "-")).stream()
                        .map(i -> i.name() + "=" + i.kind().text()).collect(Collectors.toCollection(TreeSet::new));
                assertEquals(r.expectedOwn(), own, "client " + r.client + "'s private snapshots");
            }

            // Every snapshot that owns a directory has it, and no directory is left unowned.
            Path snapshots = root.resolve("snapshotters/lcow/snapshots");
            Set<String> dirs;
            try (Stream<Path> s = Files.list(snapshots)) {
                dirs = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
            }
            Set<String> owned = new TreeSet<>();
            new io.layerd.daemon.cli.AdminClient(d.channel.channel()).storedSnapshots("lcow").forEach(s -> {
                if (!s.getDirectory().isEmpty()) {
                    owned.add(Path.of(s.getDirectory()).getFileName().toString());
                }
            });
            assertEquals(owned, dirs);
        }
    }

    record ClientResult(int client, int ops, int expectedErrors, int lastLabelValue, Map<String, Kind> own) {
        Set<String> expectedOwn() {
            return own.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().text())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** One client: a seeded random mix of shared and private operations. */
    static final class Client implements Callable<ClientResult> {
        private final int id;
        private final GrpcSnapshotter s;
        private final Random random;
        private final Map<String, Kind> own = new HashMap<>();
        private int ownCounter;
        private int expectedErrors;
        private int labelValue;

        Client(int id, GrpcSnapshotter s) {
            this.id = id;
            this.s = s;
            this.random = new Random(1000 + id);
        }

        @Override
        public ClientResult call() {
            for (int op = 0; op < OPS_PER_CLIENT; op++) {
                if (random.nextBoolean()) {
                    shared();
                } else {
                    mine();
                }
            }
            return new ClientResult(id, OPS_PER_CLIENT, expectedErrors, labelValue, own);
        }

        /** An operation on a shared key: it may lose a race, but only with a semantic error. */
        private void shared() {
            String key = "shared-" + random.nextInt(SHARED_KEYS);
            switch (random.nextInt(7)) {
                case 0 -> tolerate(() -> s.prepare(key, "base", Map.of()), ErrorKind.ALREADY_EXISTS);
                case 1 -> tolerate(() -> s.commit(key + "-c", key, Map.of(), ""),
                        ErrorKind.NOT_FOUND, ErrorKind.ALREADY_EXISTS, ErrorKind.FAILED_PRECONDITION);
                case 2 -> tolerate(() -> s.remove(random.nextBoolean() ? key : key + "-c"),
                        ErrorKind.NOT_FOUND, ErrorKind.FAILED_PRECONDITION);
                case 3 -> tolerate(() -> s.view(key + "-v" + id, key + "-c", Map.of()),
                        ErrorKind.NOT_FOUND, ErrorKind.ALREADY_EXISTS);
                case 4 -> tolerate(() -> s.stat(key), ErrorKind.NOT_FOUND);
                case 5 -> s.list(List.of("parent==base"));
                default -> {
                    labelValue++;
                    s.update(Info.ofLabels("base", Map.of("client-" + id, Integer.toString(labelValue))),
                            List.of("labels.client-" + id));
                }
            }
        }

        /** An operation on this client's own keys: it must behave exactly as the model says. */
        private void mine() {
            List<String> actives = own.entrySet().stream().filter(e -> e.getValue() == Kind.ACTIVE).map(Map.Entry::getKey).sorted().toList();
            List<String> committed = own.entrySet().stream().filter(e -> e.getValue() == Kind.COMMITTED).map(Map.Entry::getKey).sorted().toList();
            int choice = random.nextInt(4);
            if (choice == 0 || actives.isEmpty() && committed.isEmpty()) {
                String key = "own-" + id + "-" + ownCounter++;
                String parent = committed.isEmpty() || random.nextBoolean() ? "base" : committed.get(random.nextInt(committed.size()));
                s.prepare(key, parent, Map.of("owner", Integer.toString(id)));
                own.put(key, Kind.ACTIVE);
            } else if (choice == 1 && !actives.isEmpty()) {
                String key = actives.get(random.nextInt(actives.size()));
                String name = key + "-c";
                s.commit(name, key, Map.of(), "");
                own.remove(key);
                own.put(name, Kind.COMMITTED);
            } else if (choice == 2 && !actives.isEmpty()) {
                String key = actives.get(random.nextInt(actives.size()));
                s.remove(key);
                own.remove(key);
            } else {
                String key = own.keySet().stream().sorted().toList().get(random.nextInt(own.size()));
                assertEquals(own.get(key), s.stat(key).kind(), key);
            }
        }

        private void tolerate(Runnable call, ErrorKind... allowed) {
            try {
                call.run();
            } catch (LayerdException e) {
                if (!EnumSet.of(allowed[0], allowed).contains(e.kind())) {
                    throw new AssertionError("client " + id + ": unexpected " + e.kind() + ": " + e.getMessage(), e);
                }
                expectedErrors++;
            }
        }
    }
}
