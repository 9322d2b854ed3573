package io.layerd.tests.bench;

import io.layerd.cimfs.image.CimFiles;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.cimfs.wclayer.LayerBlob;
import io.layerd.cimfs.wclayer.WindowsLayerImporter;
import io.layerd.core.fs.Durable;
import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.convert.TarToExt4;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Benchmark (not a test) of Windows layer import into a CIM, run by {@code scripts/bench-cim.sh}:
 * a large-file layer (a few big files of random bytes) and a 100,000-small-file layer (1 KiB
 * files in 1,000 directories, each with its security descriptor and times as Windows writes
 * them), each imported by layerd's portable CIM writer and, for comparison, converted by the ext4
 * layer writer from the very same tar. Everything runs in this JVM, on the same disk, from a cold
 * page cache when the benchmark may drop it; both read the tar through the same decompression
 * stage and compute its diffID, and every output is fsync'ed, as the daemon does. Prints
 * MB/s of tar and entries/s, medians of {@code bench.rounds}, as a Markdown table for the README.
 */
public final class CimImportBench {
    private final Path work;
    private final int rounds;
    private final int bigFiles;
    private final int bigMb;
    private final int smallFiles;
    private final int smallDirs;
    private final boolean cold;

    private CimImportBench() throws IOException {
        work = Files.createDirectories(Path.of(System.getProperty("bench.work", "/var/tmp/layerd-bench/cim")));
        rounds = Integer.getInteger("bench.rounds", 3);
        bigFiles = Integer.getInteger("bench.big.files", 8);
        bigMb = Integer.getInteger("bench.big.mb", 256);
        smallFiles = Integer.getInteger("bench.small.files", 100_000);
        smallDirs = Integer.getInteger("bench.small.dirs", 1_000);
        cold = Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
    }

    public static void main(String[] args) throws Exception {
        new CimImportBench().run();
    }

    private record Input(String name, Path tar, long entries) {
    }

    private record Figures(double seconds, double mbPerSecond, double entriesPerSecond) {
    }

    private void run() throws Exception {
        Input large = input("large", bigFiles + 1, b -> {
            b.directory("Files", 0);
            for (int i = 0; i < bigFiles; i++) {
                b.file("Files/big-" + i + ".bin", (long) bigMb << 20, 1000 + i, 0x20, Map.of());
            }
        });
        Input small = input("small", smallFiles + smallDirs + 1, b -> {
            b.directory("Files", 0);
            byte[] kib = new byte[1024];
            for (int d = 0; d < smallDirs; d++) {
                b.directory("Files/dir-" + d, 0);
                for (int f = 0; f < smallFiles / smallDirs; f++) {
                    kib[0] = (byte) f;
                    kib[1] = (byte) d;
                    b.file("Files/dir-" + d + "/file-" + f + ".txt", kib, 0x20);
                }
            }
        });
        List<String> rows = new ArrayList<>();
        for (Input in : List.of(large, small)) {
            Figures cim = measure(in, this::importCim);
            Figures ext4 = measure(in, this::convertExt4);
            rows.add(row(in, "CIM (portable writer)", cim));
            rows.add(row(in, "ext4 layer.vhd (same tar)", ext4));
            rows.add(String.format(Locale.ROOT, "| %s | CIM time / ext4 time | %.2f× | | |", in.name(), cim.seconds() / ext4.seconds()));
        }
        System.out.println();
        System.out.printf("Machine: %d CPUs, Java %s, %s page cache, medians of %d rounds; inputs in %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), cold ? "cold" : "warm", rounds, work);
        System.out.println();
        System.out.println("| layer | writer | time | tar MB/s | entries/s |");
        System.out.println("|---|---|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private static String row(Input in, String writer, Figures f) {
        return String.format(Locale.ROOT, "| %s | %s | %.2f s | %.0f | %,.0f |", in.name(), writer, f.seconds(), f.mbPerSecond(),
                f.entriesPerSecond());
    }

    interface Body {
        void write(WindowsLayerTarBuilder b) throws IOException;
    }

    interface Step {
        void run(Path tar, Path out) throws IOException;
    }

    private Input input(String name, long entries, Body body) throws IOException {
        Path tar = work.resolve(name + ".tar");
        if (!Files.exists(tar)) {
            Path tmp = work.resolve(name + ".tar.tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
                 WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
                body.write(b);
            }
            Files.move(tmp, tar);
        }
        return new Input(name + " (" + entries + " entries, " + Files.size(tar) / (1 << 20) + " MiB tar)", tar, entries);
    }

    private Figures measure(Input in, Step step) throws Exception {
        List<Double> seconds = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) { // round 0 warms the JIT up and is not counted
            Path out = work.resolve("out");
            Durable.deleteTree(out);
            Files.createDirectories(out);
            dropCaches();
            long start = System.nanoTime();
            step.run(in.tar(), out);
            double s = (System.nanoTime() - start) / 1e9;
            if (round > 0) {
                seconds.add(s);
            }
            Durable.deleteTree(out);
        }
        Collections.sort(seconds);
        double median = seconds.get(seconds.size() / 2);
        return new Figures(median, Files.size(in.tar()) / 1e6 / median, in.entries() / median);
    }

    private void importCim(Path tar, Path out) throws IOException {
        Path layer = Files.createDirectories(out.resolve("layer"));
        // As the CimFS applier reads a layer: decompression stage (read-ahead) and the diffID's
        // SHA-256, as the ext4 writer computes it too.
        try (LayerBlob blob = LayerBlob.open(Files.newInputStream(tar))) {
            new WindowsLayerImporter(CimWriterFactory.PORTABLE, Optional.empty()).importLayer(blob.tar(),
                    new WindowsLayerImporter.Target(out, "layer.cim", null, layer, null), blob.check(() -> { }));
        }
        if (CimFiles.ownFiles(out.resolve("layer.cim")).size() != 5) {
            throw new IllegalStateException("the CIM was not written");
        }
    }

    private void convertExt4(Path tar, Path out) throws IOException {
        try (InputStream in = Files.newInputStream(tar)) {
            LayerVhdWriter.write(in, out.resolve("layer.vhd"), LayerVhdWriter.Options.defaults(), TarToExt4.Progress.NONE);
        }
    }

    private void dropCaches() throws IOException, InterruptedException {
        if (cold) {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        }
    }
}
