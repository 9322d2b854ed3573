package io.layerd.daemon.bench;

import io.layerd.core.tar.Compression;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarReader;
import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.convert.TarToExt4;
import io.layerd.lcow.ext4.Ext4Writer;
import com.sun.management.GarbageCollectionNotificationInfo;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * In-JVM throughput of LCOW layer conversion ({@link LayerVhdWriter#write}): converts one layer
 * tar (plain, gzip or zstd) several times in one JVM, first {@code --warmup} unmeasured runs so
 * the JIT has compiled the hot paths, then {@code --runs} measured ones, and prints entries/s and
 * MB/s (MB = 10^6 bytes of uncompressed tar) of the median run. Not a test: a benchmark that
 * {@code scripts/bench-convert.sh} runs as
 *
 * <pre>
 * java -Xmx256m -cp daemon/target/layerd.jar io.layerd.daemon.bench.ConvertBench [options] TAR
 *   --warmup N      unmeasured runs first (default 3)
 *   --runs N        measured runs (default 5)
 *   --out FILE      where each run writes its layer (default: TAR.bench.vhd; deleted after each run, unmeasured)
 *   --verity        append the dm-verity tree, as {@code layerd convert --verity}
 *   --inline-data   as {@code layerd convert --inline-data}
 *   --no-vhd-footer as {@code layerd convert --no-vhd-footer}
 *   --count-only    only count the entries and the uncompressed bytes
 * </pre>
 *
 * The last line is machine-readable: {@code RESULT key=value ...}.
 */
public final class ConvertBench {
    private ConvertBench() {
    }

    public static void main(String[] args) throws IOException {
        int warmup = 3;
        int runs = 5;
        Path out = null;
        boolean verity = false;
        boolean inline = false;
        boolean footer = true;
        boolean countOnly = false;
        Path tar = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--verity" -> verity = true;
                case "--inline-data" -> inline = true;
                case "--no-vhd-footer" -> footer = false;
                case "--count-only" -> countOnly = true;
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    if (args[i].startsWith("-") || tar != null) {
                        usage();
                        System.exit(2);
                    }
                    tar = Path.of(args[i]);
                }
            }
        }
        if (tar == null || runs < 1 || warmup < 0) {
            usage();
            System.exit(2);
        }
        if (out == null) {
            out = tar.toAbsolutePath().resolveSibling(tar.getFileName() + ".bench.vhd");
        }
        var options = new LayerVhdWriter.Options(true, verity, footer,
                new Ext4Writer.Options(Ext4Writer.Options.DEFAULT_MAX_DISK_SIZE, inline));

        long inputBytes = Files.size(tar);
        long t0 = System.nanoTime();
        Count count = count(tar);
        double countSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "input:    %s (%d bytes as stored, %d bytes uncompressed tar)%n",
                tar, inputBytes, count.tarBytes);
        System.out.printf(Locale.ROOT, "entries:  %d %s (counted with TarReader in %.2f s)%n",
                count.entries, count.byType, countSeconds);
        if (countOnly) {
            System.out.printf(Locale.ROOT, "RESULT entries=%d tar_bytes=%d input_bytes=%d%n", count.entries, count.tarBytes, inputBytes);
            return;
        }
        System.out.printf(Locale.ROOT, "options:  verity=%s inline-data=%s vhd-footer=%s; %d warm-up + %d measured runs -> %s%n",
                verity, inline, footer, warmup, runs, out);
        System.out.printf(Locale.ROOT, "jvm:      %s %s, max heap %d MiB, %d CPUs%n",
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"),
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

        double[] seconds = new double[runs];
        long gcCount0 = 0;
        long gcMillis0 = 0;
        LayerVhdWriter.Result last = null;
        HeapWatch heap = new HeapWatch();
        try {
            for (int i = 0; i < warmup + runs; i++) {
                boolean measured = i >= warmup;
                if (i == warmup) {
                    long[] gc = gcTotals();
                    gcCount0 = gc[0];
                    gcMillis0 = gc[1];
                }
                long start = System.nanoTime();
                try (InputStream in = Files.newInputStream(tar)) {
                    last = LayerVhdWriter.write(in, out, options, TarToExt4.Progress.NONE);
                }
                double s = (System.nanoTime() - start) / 1e9;
                // Unmeasured: a conversion normally writes a new file, not over the last run's
                // output (renaming over it would free its blocks inside the next measurement).
                Files.deleteIfExists(out);
                if (measured) {
                    seconds[i - warmup] = s;
                }
                System.out.printf(Locale.ROOT, "%s %d: %.3f s  %,.0f entries/s  %.1f MB/s%n",
                        measured ? "run   " : "warmup", measured ? i - warmup + 1 : i + 1, s,
                        count.entries / s, count.tarBytes / s / 1e6);
            }
        } finally {
            heap.close();
            Files.deleteIfExists(out);
        }
        long[] gc = gcTotals();
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
        double best = sorted[0];
        long peakHeap = heap.peakUsed();
        long peakLive = heap.peakAfterGc();
        System.out.printf(Locale.ROOT, "median:   %.3f s  %,.0f entries/s  %.1f MB/s (best %.3f s, %,.0f entries/s)%n",
                median, count.entries / median, count.tarBytes / median / 1e6, best, count.entries / best);
        System.out.printf(Locale.ROOT, "output:   %d bytes (ext4 %d bytes)%s%n", last.fileBytes(), last.ext4Bytes(),
                last.verityRoot() == null ? "" : ", verity root " + last.verityRoot());
        System.out.printf(Locale.ROOT, "memory:   heap max %d MiB; peak used %d MiB, peak after a GC %d MiB; "
                        + "GC in measured runs: %d collections, %d ms%n",
                Runtime.getRuntime().maxMemory() >> 20, peakHeap >> 20, peakLive >> 20, gc[0] - gcCount0, gc[1] - gcMillis0);
        System.out.printf(Locale.ROOT,
                "RESULT entries=%d tar_bytes=%d input_bytes=%d runs=%d median_s=%.4f best_s=%.4f entries_per_s=%.0f "
                        + "mb_per_s=%.1f peak_heap_mib=%d peak_live_mib=%d max_heap_mib=%d gc_ms=%d%n",
                count.entries, count.tarBytes, inputBytes, runs, median, best, count.entries / median,
                count.tarBytes / median / 1e6, peakHeap >> 20, peakLive >> 20, Runtime.getRuntime().maxMemory() >> 20,
                gc[1] - gcMillis0);
    }

    private record Count(long entries, long tarBytes, Map<TarEntry.Type, Long> byType) {
    }

    /** Entries (as TarReader returns them: extension headers are not entries) and uncompressed size. */
    private static Count count(Path tar) throws IOException {
        Map<TarEntry.Type, Long> byType = new EnumMap<>(TarEntry.Type.class);
        long entries = 0;
        long bytes = 0;
        byte[] drain = new byte[1 << 16];
        try (InputStream in = Compression.decompressed(Files.newInputStream(tar))) {
            TarReader reader = new TarReader(in);
            for (TarEntry e; (e = reader.next()) != null; ) {
                entries++;
                byType.merge(e.type(), 1L, Long::sum);
            }
            bytes = reader.position();
            for (int n; (n = in.read(drain, 0, drain.length)) >= 0; ) {
                bytes += n; // trailing zero blocks and padding belong to the tar too
            }
        }
        return new Count(entries, bytes, byType);
    }

    private static long[] gcTotals() {
        long count = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[]{count, millis};
    }

    /**
     * Heap figures while the conversions run: the highest heap occupancy seen by a 2 ms sampler
     * (garbage included, so at most the heap's size) and the highest occupancy right after a
     * collection (about what the conversion keeps live).
     */
    private static final class HeapWatch implements AutoCloseable {
        private final AtomicLong peakUsed = new AtomicLong();
        private final AtomicLong peakAfterGc = new AtomicLong();
        private final Thread sampler;
        private final List<Runnable> unsubscribe = new ArrayList<>();
        private volatile boolean stop;

        HeapWatch() {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            sampler = new Thread(() -> {
                while (!stop) {
                    peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    NotificationListener listener = (n, handback) -> {
                        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                            var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                            long after = 0;
                            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                                if (isHeapPool(e.getKey())) {
                                    after += e.getValue().getUsed();
                                }
                            }
                            peakAfterGc.accumulateAndGet(after, Math::max);
                        }
                    };
                    emitter.addNotificationListener(listener, null, null);
                    unsubscribe.add(() -> {
                        try {
                            emitter.removeNotificationListener(listener);
                        } catch (javax.management.ListenerNotFoundException ignored) {
                            // already gone
                        }
                    });
                }
            }
        }

        private static boolean isHeapPool(String name) {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getName().equals(name)) {
                    return pool.getType() == MemoryType.HEAP;
                }
            }
            return false;
        }

        long peakUsed() {
            return peakUsed.get();
        }

        long peakAfterGc() {
            return peakAfterGc.get();
        }

        @Override
        public void close() {
            stop = true;
            sampler.interrupt();
            unsubscribe.forEach(Runnable::run);
        }
    }

    private static void usage() {
        System.err.println("usage: java -cp layerd.jar io.layerd.daemon.bench.ConvertBench [--warmup N] [--runs N] "
                + "[--out FILE] [--verity] [--inline-data] [--no-vhd-footer] [--count-only] TAR");
    }
}
