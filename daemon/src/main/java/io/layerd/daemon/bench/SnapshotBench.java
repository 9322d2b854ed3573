package io.layerd.daemon.bench;

import io.layerd.core.snapshot.Snapshotter;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Throughput and latency of the Snapshots service over its unix socket. Each client repeats one
 * cycle: Prepare (on a committed base) → Commit → Stat → List (all snapshots, as containerd's GC
 * does) → Remove. The store holds a steady population so List does real work. Keys are unpack
 * keys ({@code extract-…}), as containerd names the snapshots this cycle stands for, so an
 * {@code lcow} instance measures metadata and directories rather than scratch copies.
 */
public final class SnapshotBench {
    enum Op { PREPARE, COMMIT, STAT, LIST, REMOVE }

    /** Settings of one run. */
    public record Settings(Path socket, String snapshotter, List<Integer> clientCounts, Duration warmup,
                           Duration measure, int population) {
    }

    /** Results for one client count. */
    public record Result(int clients, double cyclesPerSecond, double rpcsPerSecond,
                         Map<Op, double[]> p50p99Micros, double allP50, double allP99) {
    }

    private final Settings settings;

    public SnapshotBench(Settings settings) {
        this.settings = settings;
    }

    public List<Result> run(PrintWriter progress) throws InterruptedException {
        List<Result> results = new ArrayList<>();
        try (DaemonChannel ch = new DaemonChannel(settings.socket())) {
            Snapshotter admin = new GrpcSnapshotter(ch.channel(), settings.snapshotter(), "bench");
            String base = "bench-base-" + System.nanoTime();
            admin.prepare("extract-" + base, "", Map.of());
            admin.commit(base, "extract-" + base, Map.of(), "");
            List<String> filler = new ArrayList<>();
            for (int i = 0; i < settings.population(); i++) {
                String k = base + "-pop-" + i;
                admin.view(k, base, Map.of("bench", "population"));
                filler.add(k);
            }
            for (int clients : settings.clientCounts()) {
                progress.printf("running %d client(s): %d s warm-up, %d s measured%n", clients,
                        settings.warmup().toSeconds(), settings.measure().toSeconds());
                progress.flush();
                runPhase(ch, base, clients, settings.warmup(), false);
                results.add(runPhase(ch, base, clients, settings.measure(), true));
            }
            for (String k : filler) {
                admin.remove(k);
            }
            admin.remove(base);
        }
        return results;
    }

    private Result runPhase(DaemonChannel ch, String base, int clients, Duration length, boolean keep) throws InterruptedException {
        List<EnumMap<Op, LatencyRecorder>> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] cycles = new long[clients];
        long[] deadline = new long[1];
        for (int c = 0; c < clients; c++) {
            EnumMap<Op, LatencyRecorder> rec = new EnumMap<>(Op.class);
            for (Op op : Op.values()) {
                rec.put(op, new LatencyRecorder());
            }
            perClient.add(rec);
            int client = c;
            Thread t = new Thread(() -> {
                GrpcSnapshotter s = new GrpcSnapshotter(ch.channel(), settings.snapshotter(), "bench");
                try {
                    start.await();
                    long i = 0;
                    while (System.nanoTime() < deadline[0]) {
                        String key = "extract-bench-" + client + "-" + System.nanoTime() + "-" + i++;
                        String name = key + "-committed";
                        timed(rec, Op.PREPARE, () -> s.prepare(key, base, Map.of()));
                        timed(rec, Op.COMMIT, () -> s.commit(name, key, Map.of(), ""));
                        timed(rec, Op.STAT, () -> s.stat(name));
                        timed(rec, Op.LIST, () -> s.list(List.of()));
                        timed(rec, Op.REMOVE, () -> s.remove(name));
                        cycles[client]++;
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-client-" + c);
            threads.add(t);
            t.start();
        }
        long begin = System.nanoTime();
        deadline[0] = begin + length.toNanos();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException("benchmark client failed: " + failure.get(), failure.get());
        }
        if (!keep) {
            return null;
        }
        Map<Op, double[]> quantiles = new EnumMap<>(Op.class);
        LatencyRecorder all = new LatencyRecorder();
        long rpcs = 0;
        for (Op op : Op.values()) {
            LatencyRecorder merged = new LatencyRecorder();
            perClient.forEach(r -> merged.addAll(r.get(op)));
            quantiles.put(op, new double[]{merged.quantileMicros(0.50), merged.quantileMicros(0.99)});
            all.addAll(merged);
            rpcs += merged.count();
        }
        long totalCycles = 0;
        for (long c : cycles) {
            totalCycles += c;
        }
        return new Result(clients, totalCycles / seconds, rpcs / seconds, quantiles,
                all.quantileMicros(0.50), all.quantileMicros(0.99));
    }

    private static void timed(Map<Op, LatencyRecorder> rec, Op op, Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        rec.get(op).record(System.nanoTime() - t0);
    }

    /** A Markdown table of the results, ready for the README. */
    public static void print(List<Result> results, PrintWriter out) {
        out.println("| clients | rpc | p50 µs | p99 µs |");
        out.println("|---:|---|---:|---:|");
        for (Result r : results) {
            for (Op op : Op.values()) {
                double[] q = r.p50p99Micros().get(op);
                out.printf("| %d | %s | %.0f | %.0f |%n", r.clients(), op.name().charAt(0) + op.name().substring(1).toLowerCase(), q[0], q[1]);
            }
            out.printf("| %d | **all** | %.0f | %.0f |%n", r.clients(), r.allP50(), r.allP99());
        }
        out.println();
        out.println("| clients | cycles/s (Prepare+Commit+Stat+List+Remove) | rpc/s |");
        out.println("|---:|---:|---:|");
        for (Result r : results) {
            out.printf("| %d | %.0f | %.0f |%n", r.clients(), r.cyclesPerSecond(), r.rpcsPerSecond());
        }
        out.flush();
    }
}
