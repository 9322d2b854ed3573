package io.layerd.daemon.bench;

import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.FormatRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.PingRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.api.servicevm.v1.WriteFileRequest;
import io.layerd.daemon.config.ServiceVmConfig;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.Lifetime;
import io.layerd.servicevm.manager.ManagerSettings;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.servicevm.manager.VmStatus;
import io.layerd.servicevm.qemu.QemuHypervisor;
import io.layerd.servicevm.qemu.QemuOptions;
import io.layerd.core.io.RandomBytesStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark (not a test) of the service VM platform, for both lifetimes: boot to a ready agent,
 * round trip of a no-op request, and throughput of a streamed tar export (and of the upload that
 * fills the disk first). Prints a Markdown table.
 *
 * <pre>
 * java -cp daemon/target/layerd.jar io.layerd.daemon.bench.ServiceVmBench [--boot-files DIR]
 *      [--pings N] [--export-mib N] [--accelerator auto|kvm|tcg] [--memory-mib N] [--cpus N]
 * </pre>
 */
public final class ServiceVmBench {
    private ServiceVmBench() {
    }

    private record Row(String lifetime, String what, String result) {
    }

    public static void main(String[] args) throws Exception {
        Path bootFiles = ServiceVmConfig.defaults().bootFiles();
        int pings = 300;
        int exportMib = 64;
        String accelerator = "auto";
        int memory = 512;
        int cpus = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--boot-files" -> bootFiles = Path.of(args[++i]);
                case "--pings" -> pings = Integer.parseInt(args[++i]);
                case "--export-mib" -> exportMib = Integer.parseInt(args[++i]);
                case "--accelerator" -> accelerator = args[++i];
                case "--memory-mib" -> memory = Integer.parseInt(args[++i]);
                case "--cpus" -> cpus = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: ServiceVmBench [--boot-files DIR] [--pings N] [--export-mib N] [--accelerator A] [--memory-mib N] [--cpus N]");
                    System.exit(2);
                }
            }
        }
        Path work = Files.createTempDirectory("ldvm-bench");
        List<Row> rows = new ArrayList<>();
        try {
            for (Lifetime lifetime : Lifetime.values()) {
                QemuHypervisor qemu = new QemuHypervisor(new QemuOptions(null, QemuOptions.Accelerator.parse(accelerator),
                        Path.of("/var/tmp/layerd-test-accelerator"), Duration.ofSeconds(15)));
                ManagerSettings settings = new ManagerSettings(lifetime, bootFiles, work.resolve(lifetime.configName()), memory, cpus,
                        Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ZERO, "");
                try (ServiceVmManager manager = new ServiceVmManager(qemu, settings)) {
                    run(manager, lifetime, pings, exportMib, work, rows);
                }
            }
        } finally {
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
        System.out.printf(Locale.ROOT, "%n| Lifetime | Measurement | Result |%n|---|---|---:|%n");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", r.lifetime(), r.what(), r.result());
        }
    }

    private static void run(ServiceVmManager manager, Lifetime lifetime, int pings, int exportMib, Path work, List<Row> rows)
            throws Exception {
        String name = lifetime.configName();
        long t0 = System.nanoTime();
        try (ServiceVmLease first = manager.acquire("bench-1")) {
            double firstSeconds = (System.nanoTime() - t0) / 1e9;
            VmStatus status = manager.status().get(0);
            rows.add(new Row(name, "boot to ready agent (" + status.accelerator() + ")",
                    String.format(Locale.ROOT, "%.2f s (acquire %.2f s)", status.bootTime().toMillis() / 1000.0, firstSeconds)));
            long t1 = System.nanoTime();
            try (ServiceVmLease second = manager.acquire("bench-2")) {
                rows.add(new Row(name, "acquire for a second owner", String.format(Locale.ROOT, "%.2f s (%s)",
                        (System.nanoTime() - t1) / 1e9, second.vmId().equals(first.vmId()) ? "shares the VM" : "own VM booted")));
            }
            Request ping = Request.newBuilder().setPing(PingRequest.getDefaultInstance()).build();
            for (int i = 0; i < 30; i++) {
                first.call(ping);
            }
            long[] nanos = new long[pings];
            for (int i = 0; i < pings; i++) {
                long s = System.nanoTime();
                first.call(ping);
                nanos[i] = System.nanoTime() - s;
            }
            Arrays.sort(nanos);
            rows.add(new Row(name, "no-op request round trip (" + pings + " pings)", String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms",
                    nanos[pings / 2] / 1e6, nanos[(int) (pings * 0.99)] / 1e6)));

            Path image = work.resolve(name + ".raw");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength((exportMib + 64L) << 20);
            }
            AttachedDisk disk = first.attach(image, false);
            Duration slow = Duration.ofMinutes(10);
            first.call(Request.newBuilder().setFormat(FormatRequest.newBuilder().setDevice(disk.device())).build(), slow, null, null);
            first.call(Request.newBuilder().setMount(MountRequest.newBuilder().setName("bench")
                    .setExt4(Ext4Source.newBuilder().setDevice(disk.device()))).build(), slow, null, null);
            long bytes = (long) exportMib << 20;
            long u0 = System.nanoTime();
            first.call(Request.newBuilder().setWriteFile(WriteFileRequest.newBuilder().setMount("bench").setPath("payload.bin")
                    .setMode(0644).setSize(bytes)).build(), slow, new RandomBytesStream(bytes, 1), null);
            double upload = (System.nanoTime() - u0) / 1e9;
            rows.add(new Row(name, "upload (write_file) of " + exportMib + " MiB", String.format(Locale.ROOT, "%.1f MB/s", bytes / upload / 1e6)));
            CountingSink sink = new CountingSink();
            long e0 = System.nanoTime();
            first.call(Request.newBuilder().setExportTar(ExportTarRequest.newBuilder().setMount("bench").setPath(".")).build(), slow, null, sink);
            double export = (System.nanoTime() - e0) / 1e9;
            rows.add(new Row(name, "streamed tar export of " + exportMib + " MiB", String.format(Locale.ROOT, "%.1f MB/s (%d bytes of tar)",
                    sink.count / export / 1e6, sink.count)));
            first.call(Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName("bench")).build(), slow, null, null);
            first.detach(disk);
        }
    }


    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

}
