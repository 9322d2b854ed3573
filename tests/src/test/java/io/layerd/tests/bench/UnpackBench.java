package io.layerd.tests.bench;

import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.image.ChainIds;
import io.layerd.lcow.scratch.ScratchLabels;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import io.layerd.tests.image.OciImageBuilder;
import io.layerd.tests.image.RealisticImage;
import io.layerd.tests.servicevm.VmFixture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Benchmark (not a test) of LCOW image unpack, run by {@code scripts/bench-unpack.sh}: in one run
 * on one machine, a realistic image (real system files in two gzip layers) is unpacked by
 * containerd's own {@code overlayfs} snapshotter ({@code ctr images mount}, which unpacks first)
 * and by {@code layerd image unpack} into LCOW layers, alternately, each from a cold page cache;
 * then the per-layer Apply throughput and the time to provision container scratches.
 *
 * <p>layerd runs in this JVM, as the daemon containerd already talks to; {@code layerd image
 * unpack} runs as its own process ({@code java -jar layerd.jar}), as users run it. Prints a
 * Markdown table for the README. Settings are system properties: {@code bench.work}, {@code
 * bench.rounds}, {@code bench.base} and {@code bench.top} (comma-separated directories under /),
 * {@code bench.prepares}.
 */
public final class UnpackBench {
    private static final Duration LONG = Duration.ofMinutes(30);
    private static final Pattern LAYER_LINE = Pattern.compile("layer (\\d+)/\\d+ \\S+: applied \\S+ \\((\\d+) bytes\\) in (\\d+) ms");

    private final Path work;
    private final int rounds;
    private final int prepares;
    private final List<String> base;
    private final List<String> top;
    private final String jar;
    private final boolean cold;

    private UnpackBench() throws IOException {
        work = Files.createDirectories(Path.of(System.getProperty("bench.work", "/var/tmp/layerd-bench/unpack")));
        rounds = Integer.getInteger("bench.rounds", 3);
        prepares = Integer.getInteger("bench.prepares", 20);
        base = dirs("bench.base", "etc,usr/bin,usr/sbin,usr/share/zoneinfo,usr/lib/python3.11");
        top = dirs("bench.top", "usr/share/perl,usr/share/perl5,usr/lib/python3,usr/share/doc");
        jar = System.getProperty("layerd.jar", "daemon/target/layerd.jar");
        cold = dropCaches();
    }

    public static void main(String[] args) throws Exception {
        new UnpackBench().run();
    }

    private void run() throws Exception {
        log("building the image from " + base + " + " + top + " in " + work);
        Path archive = work.resolve("realistic.tar");
        OciImageBuilder.Image image = RealisticImage.build("layerd.bench/realistic:1", base, top,
                Files.createDirectories(work.resolve("layers")), archive);
        List<Long> tarSizes = new ArrayList<>();
        for (OciImageBuilder.Blob layer : image.layers()) {
            tarSizes.add(uncompressedSize(layer.file()));
        }
        List<String> chain = ChainIds.of(image.diffIds());
        long tarTotal = tarSizes.stream().mapToLong(Long::longValue).sum();
        long gzTotal = image.layers().stream().mapToLong(OciImageBuilder.Blob::size).sum();

        String config = "[content]\ncontainerd_address = \"@CONTAINERD@\"\n" + VmFixture.daemonConfigSection();
        try (ContainerdFixture env = new ContainerdFixture(config).formattingScratchInServiceVm().open()) {
            check(ctr(env, "image", "import", "--no-unpack", archive.toString()), "ctr image import --no-unpack");
            Path mountPoint = Files.createDirectories(work.resolve("overlayfs-mount"));

            List<Double> nativeSecs = new ArrayList<>();
            List<Double> nativeSyncSecs = new ArrayList<>();
            List<Double> layerdSecs = new ArrayList<>();
            List<long[]> layerTimes = new ArrayList<>(); // per round: ms per layer
            for (int round = 1; round <= rounds; round++) {
                dropCaches();
                long t0 = System.nanoTime();
                check(ctr(env, "images", "mount", "--snapshotter", "overlayfs", image.name(), mountPoint.toString()), "ctr images mount");
                double unpacked = seconds(t0);
                check(Commands.run(LONG, List.of("sync")), "sync");
                nativeSecs.add(unpacked);
                nativeSyncSecs.add(seconds(t0));
                check(ctr(env, "images", "unmount", "--rm", mountPoint.toString()), "ctr images unmount");
                log(String.format(Locale.ROOT, "round %d: overlayfs %.2f s (%.2f s with sync)", round, unpacked, seconds(t0)));

                dropCaches();
                t0 = System.nanoTime();
                CommandResult lu = Commands.run(LONG, List.of("java", "-jar", jar, "image", "unpack", "--containerd",
                        env.containerdSocket().toString(), "--address", env.layerdSocket().toString(), image.name()));
                double layerd = seconds(t0);
                check(lu, "layerd image unpack");
                layerdSecs.add(layerd);
                layerTimes.add(perLayerMillis(lu.stdout() + lu.stderr(), chain.size()));
                log(String.format(Locale.ROOT, "round %d: layerd %.2f s", round, layerd));

                if (round < rounds) {
                    removeChain(env, "overlayfs", chain);
                    removeChain(env, ContainerdFixture.SNAPSHOTTER, chain);
                }
            }

            String top = chain.get(chain.size() - 1);
            log("provisioning scratches");
            long t0 = System.nanoTime();
            check(env.snapshots("prepare", "bench-first", top), "first prepare");
            double firstPrepare = seconds(t0);
            double warmFormat;
            List<Double> copies = new ArrayList<>();
            List<Double> ctrPrepares = new ArrayList<>();
            try (DaemonChannel channel = new DaemonChannel(env.containerdSocket())) {
                GrpcSnapshotter api = new GrpcSnapshotter(channel.channel(), ContainerdFixture.SNAPSHOTTER, ContainerdFixture.NAMESPACE);
                t0 = System.nanoTime();
                api.prepare("bench-sized", top, Map.of(ScratchLabels.SIZE_GB, "21", "containerd.io/gc.root", "bench"));
                warmFormat = seconds(t0);
                for (int i = 0; i < prepares; i++) {
                    t0 = System.nanoTime();
                    api.prepare("bench-" + i, top, Map.of("containerd.io/gc.root", "bench"));
                    copies.add(seconds(t0) * 1000);
                }
                for (int i = 0; i < 5; i++) {
                    t0 = System.nanoTime();
                    check(env.snapshots("prepare", "bench-ctr-" + i, top), "ctr prepare");
                    ctrPrepares.add(seconds(t0) * 1000);
                }
            }

            report(image, tarSizes, tarTotal, gzTotal, nativeSecs, nativeSyncSecs, layerdSecs, layerTimes, firstPrepare, warmFormat,
                    copies, ctrPrepares);
        }
    }

    private void report(OciImageBuilder.Image image, List<Long> tarSizes, long tarTotal, long gzTotal, List<Double> nativeSecs,
                        List<Double> nativeSyncSecs, List<Double> layerdSecs, List<long[]> layerTimes, double firstPrepare,
                        double warmFormat, List<Double> copies, List<Double> ctrPrepares) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(firstLine(Commands.run(Duration.ofSeconds(10), List.of("sh", "-c", "grep -m1 'model name' /proc/cpuinfo")).stdout()))
                .append("; page cache ").append(cold ? "dropped before every unpack" : "NOT dropped (not allowed here)").append('\n');
        b.append(String.format(Locale.ROOT, "Image: %d layers, %s uncompressed (%s gzip), %s%n", image.layers().size(), mb(tarTotal), mb(gzTotal),
                "base " + base + ", top " + top));
        b.append("Rounds: ").append(rounds).append(" (median, range)\n\n");
        b.append("| | Measurement | Result | Target | Status |\n|---|---|---:|---:|---|\n");
        double nat = median(nativeSecs);
        double natSync = median(nativeSyncSecs);
        double ld = median(layerdSecs);
        b.append(row("containerd `overlayfs` unpack (`ctr images mount`)", secs(nativeSecs), "", ""));
        b.append(row("same, plus `sync` of what it wrote", secs(nativeSyncSecs), "", ""));
        b.append(row("`layerd image unpack` into LCOW layers (layer.vhd fsync'ed; CLI JVM start included)", secs(layerdSecs), "", ""));
        double ratio = ld / nat;
        b.append(row("**layerd / overlayfs**", String.format(Locale.ROOT, "**%.2f×**", ratio), "≤ 0.6×", ratio <= 0.6 ? "PASS" : "MISS"));
        b.append(row("layerd / (overlayfs + sync)", String.format(Locale.ROOT, "%.2f×", ld / natSync), "", ""));
        double first = layerdSecs.get(0) / nativeSecs.get(0);
        b.append(row("round 1 alone (layerd daemon just started: its JIT compiler still cold)",
                String.format(Locale.ROOT, "%.2f×", first), "≤ 0.6×", first <= 0.6 ? "PASS" : "MISS"));
        for (int i = 0; i < tarSizes.size(); i++) {
            List<Double> ms = new ArrayList<>();
            for (long[] r : layerTimes) {
                ms.add((double) r[i]);
            }
            double m = median(ms) / 1000;
            b.append(row(String.format(Locale.ROOT, "Apply of layer %d (%s tar, %s gzip): prepare + apply + commit", i + 1,
                    mb(tarSizes.get(i)), mb(image.layers().get(i).size())),
                    String.format(Locale.ROOT, "%.2f s — %.0f MB/s of tar", m, tarSizes.get(i) / 1e6 / m), "", ""));
        }
        b.append(row("first container scratch (boots the service VM, formats the 20 GB template, copies it)",
                String.format(Locale.ROOT, "%.1f s", firstPrepare), "", ""));
        b.append(row("scratch of a new size (VM running: format a 21 GB template, copy)", String.format(Locale.ROOT, "%.1f s", warmFormat), "", ""));
        b.append(row("scratch from the cached template, Prepare through containerd's API (" + copies.size() + " runs)",
                String.format(Locale.ROOT, "p50 %.0f ms, max %.0f ms", median(copies), Collections.max(copies)), "", ""));
        b.append(row("same through `ctr snapshots prepare` (process start included, " + ctrPrepares.size() + " runs)",
                String.format(Locale.ROOT, "p50 %.0f ms", median(ctrPrepares)), "", ""));
        String table = b.toString();
        Files.writeString(work.resolve("report.md"), table);
        System.out.println(table);
    }

    private static String row(String what, String result, String target, String status) {
        return "| | " + what + " | " + result + " | " + target + " | " + status + " |\n";
    }

    private static String secs(List<Double> values) {
        return values.size() == 1 ? String.format(Locale.ROOT, "%.2f s", values.get(0))
                : String.format(Locale.ROOT, "%.2f s (%.2f–%.2f)", median(values), Collections.min(values), Collections.max(values));
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
    }

    private static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static long[] perLayerMillis(String output, int layers) {
        long[] ms = new long[layers];
        Arrays.fill(ms, -1);
        Matcher m = LAYER_LINE.matcher(output);
        while (m.find()) {
            ms[Integer.parseInt(m.group(1)) - 1] = Long.parseLong(m.group(3));
        }
        for (long v : ms) {
            if (v < 0) {
                throw new IllegalStateException("layerd image unpack did not report every layer:\n" + output);
            }
        }
        return ms;
    }

    /** ctr without the fixture's 30 s limit: unpacking a big image takes longer. */
    private static CommandResult ctr(ContainerdFixture env, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", env.containerdSocket().toString()));
        cmd.addAll(List.of(args));
        return Commands.run(LONG, cmd);
    }

    /**
     * Removes a committed chain, top first (a parent cannot go before its children), so the next
     * round unpacks again. containerd's garbage collector may have taken some already (after
     * {@code ctr images unmount --rm}); what matters is that none is left.
     */
    private static void removeChain(ContainerdFixture env, String snapshotter, List<String> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            CommandResult r = ctr(env, "snapshots", "--snapshotter", snapshotter, "rm", chain.get(i));
            if (!r.ok() && !r.stderr().contains("not found")) {
                check(r, "rm " + snapshotter + " " + chain.get(i));
            }
        }
        CommandResult left = ctr(env, "snapshots", "--snapshotter", snapshotter, "ls");
        check(left, "ctr snapshots ls");
        for (String id : chain) {
            if (left.stdout().contains(id)) {
                throw new IllegalStateException(snapshotter + " still has " + id + " after removal:\n" + left.describe());
            }
        }
    }

    private static long uncompressedSize(Path gz) throws IOException {
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        }
        return n;
    }

    private static boolean dropCaches() {
        CommandResult r = Commands.run(Duration.ofMinutes(5), List.of("sh", "-c", "sync && echo 3 > /proc/sys/vm/drop_caches"));
        return r.ok();
    }

    private static void check(CommandResult r, String what) {
        if (!r.ok()) {
            throw new IllegalStateException(what + " failed:\n" + r.describe());
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static List<String> dirs(String property, String fallback) {
        return List.of(System.getProperty(property, fallback).split(","));
    }

    private static String firstLine(String s) {
        String line = s.lines().findFirst().orElse("").trim();
        return line.replaceFirst("^model name\\s*:\\s*", "");
    }

    private static void log(String message) {
        System.err.println("[bench] " + message);
    }
}
