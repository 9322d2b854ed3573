package io.layerd.daemon.cli;

import io.layerd.core.fs.Durable;
import io.layerd.daemon.bench.SnapshotBench;
import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.server.Daemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code layerd bench}: the Snapshots-service benchmark. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark Prepare+Commit+Stat+List+Remove over the unix socket; prints ops/s and p50/p99 latency.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--address", paramLabel = "SOCKET",
            description = "benchmark this running daemon (default: start one on a temporary root)")
    Path address;

    @Option(names = "--snapshotter", defaultValue = "lcow", description = "instance to use (default: ${DEFAULT-VALUE})")
    String snapshotter;

    @Option(names = "--clients", split = ",", defaultValue = "1,8", description = "concurrent client counts (default: ${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per client count (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "warm-up seconds per client count (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--population", defaultValue = "100", description = "snapshots kept in the store so List has work (default: ${DEFAULT-VALUE})")
    int population;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path tempRoot = null;
        Daemon daemon = null;
        Path socket = address;
        try {
            if (socket == null) {
                tempRoot = Files.createTempDirectory("layerd-bench-");
                daemon = Daemon.start(ConfigLoader.parse("", tempRoot, "bench"));
                socket = daemon.address();
                out.println("started a daemon on " + tempRoot);
            }
            var settings = new SnapshotBench.Settings(socket, snapshotter, clients, Duration.ofSeconds(warmup),
                    Duration.ofSeconds(seconds), population);
            var results = new SnapshotBench(settings).run(out);
            out.printf("%nSnapshots service over %s, %d CPUs, Java %s%n%n", socket,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            SnapshotBench.print(results, out);
            return 0;
        } finally {
            if (daemon != null) {
                daemon.close();
            }
            if (tempRoot != null) {
                Durable.deleteTree(tempRoot);
            }
        }
    }
}
