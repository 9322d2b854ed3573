package io.layerd.tests.bench;

import io.layerd.api.containerd.types.Descriptor;
import io.layerd.core.io.RandomBytesStream;
import io.layerd.servicevm.manager.OperationRecord;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.tests.containerd.ContainerdFixture;
import io.layerd.tests.image.LcowContainers;
import io.layerd.tests.image.LcowUnpack;
import io.layerd.tests.image.TestImages;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark (not a test) of Compare ({@code Diff.Diff}) of LCOW containers, run by {@code
 * scripts/bench-compare.sh}: a container changed by a 1 MB and by a 1 GB file (random bytes, so
 * gzip cannot shrink them), diffed against its parent view through containerd's content store,
 * for each service VM lifetime. Global: with the VM running (boot excluded) and after its idle
 * shutdown (boot included). Per-instance: every Diff boots its own VM (boot included); "boot
 * excluded" subtracts the wait for that VM, as `layerd vm status` records it. Throughput is MB of
 * change per second; the layer is gzip, containerd's default. Prints a Markdown table for the
 * README and keeps it in WORKDIR/report.md. Settings: {@code bench.work}, {@code bench.rounds},
 * {@code bench.big.mb}.
 */
public final class CompareBench {
    private static final Duration IDLE_SHUTDOWN = Duration.ofSeconds(2);

    private final Path work;
    private final int rounds;
    private final long bigBytes;
    private final StringBuilder rows = new StringBuilder();

    private CompareBench() throws IOException {
        work = Files.createDirectories(Path.of(System.getProperty("bench.work", "/var/tmp/layerd-bench/compare")));
        rounds = Integer.getInteger("bench.rounds", 2);
        bigBytes = Long.getLong("bench.big.mb", 1024L) << 20;
    }

    public static void main(String[] args) throws Exception {
        new CompareBench().run();
    }

    private void run() throws Exception {
        Path small = randomFile("change-1m.bin", 1L << 20);
        Path big = randomFile("change-big.bin", bigBytes);
        bench("global", "idle_shutdown = \"" + IDLE_SHUTDOWN.toSeconds() + "s\"\n", small, big);
        bench("per-instance", "mode = \"per-instance\"\n", small, big);
        String table = "| lifetime | change | Diff, boot included | Diff, boot excluded | throughput (boot excluded) |\n"
                + "|---|---|---|---|---|\n" + rows;
        System.out.print(table);
        Files.writeString(work.resolve("report.md"), table);
    }

    private void bench(String lifetime, String config, Path small, Path big) throws Exception {
        try (ContainerdFixture env = new ContainerdFixture(LcowContainers.config(config)).formattingScratchInServiceVm().open()) {
            Path archive = work.resolve("multi.tar");
            Files.deleteIfExists(archive);
            List<String> chain = LcowUnpack.importAndUnpack(env, archive, TestImages.multiLayer(archive));
            String top = chain.get(chain.size() - 1);
            LcowContainers.create(env, true, "parent", top);
            ServiceVmManager vms = env.layerdDaemon().serviceVms();
            for (Path change : List.of(small, big)) {
                String name = change.getFileName().toString();
                String container = "c-" + name;
                LcowContainers.create(env, false, container, top);
                LcowContainers.files(env, "cp-in", LcowContainers.layerdKey(env, container), change.toString(), "data/" + name);
                List<Double> cold = new ArrayList<>();
                List<Double> warm = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    if (lifetime.equals("global")) {
                        env.await("the idle VM stopped", Duration.ofMinutes(2), () -> vms.status().isEmpty());
                        cold.add(diff(env, container, round + "-cold"));
                        warm.add(diff(env, container, round + "-warm"));
                    } else {
                        double total = diff(env, container, round + "");
                        OperationRecord export = lastExport(vms);
                        cold.add(total);
                        warm.add(total - export.vmWait().toNanos() / 1e9);
                    }
                    log(String.format(Locale.ROOT, "%s %s round %d: boot included %.2f s, excluded %.2f s", lifetime, name, round,
                            cold.get(cold.size() - 1), warm.get(warm.size() - 1)));
                }
                double mb = Files.size(change) / 1e6;
                rows.append(String.format(Locale.ROOT, "| %s | %s | %.2f s | %.2f s | %.1f MB/s |%n", lifetime,
                        Files.size(change) >= (1L << 30) ? (Files.size(change) >> 30) + " GB" : (Files.size(change) >> 20) + " MB",
                        median(cold), median(warm), mb / median(warm)));
            }
        }
    }

    private static double diff(ContainerdFixture env, String container, String ref) {
        long t0 = System.nanoTime();
        Descriptor d = LcowContainers.diff(env, "parent", container, container + "-" + ref);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (d.getSize() <= 0) {
            throw new IllegalStateException("empty diff for " + container);
        }
        return seconds;
    }

    private static OperationRecord lastExport(ServiceVmManager vms) {
        List<OperationRecord> ops = new ArrayList<>(vms.recentOperations());
        Collections.reverse(ops);
        return ops.stream().filter(o -> o.operation().equals("export scratch")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no export recorded"));
    }

    private Path randomFile(String name, long size) throws IOException {
        Path p = work.resolve(name);
        if (!Files.exists(p) || Files.size(p) != size) {
            try (InputStream in = new RandomBytesStream(size, size)) {
                Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return p;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void log(String line) {
        System.err.println("[bench] " + line);
    }
}
