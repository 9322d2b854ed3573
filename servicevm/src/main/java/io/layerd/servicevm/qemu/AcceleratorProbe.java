package io.layerd.servicevm.qemu;

import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides between KVM and TCG. {@code /dev/kvm} existing is not enough: under nested
 * virtualisation KVM may accept a guest and then hang it. So the probe boots the service VM's
 * own kernel and initrd with {@code layerd.probe=1} (the init prints {@value #MARKER} and powers
 * off at once) and uses KVM only if the marker shows up in time. The answer is cached in a file,
 * keyed by the kernel file, so the probe runs once per machine and kernel.
 */
final class AcceleratorProbe {
    /** Printed on the console by the initrd's /init as its first act. */
    static final String MARKER = "layerd-init: started";
    private static final Logger log = LoggerFactory.getLogger(AcceleratorProbe.class);

    private final QemuOptions options;
    private String decided;

    AcceleratorProbe(QemuOptions options) {
        this.options = options;
    }

    /** "kvm" or "tcg". */
    synchronized String choose(VmConfig config) throws IOException {
        switch (options.accelerator()) {
            case KVM -> {
                return "kvm";
            }
            case TCG -> {
                return "tcg";
            }
            default -> {
            }
        }
        if (decided != null) {
            return decided;
        }
        String key = "kernel=" + Files.size(config.kernel()) + "@" + Files.getLastModifiedTime(config.kernel()).toMillis();
        Path cache = options.probeCache();
        if (Files.isRegularFile(cache)) {
            List<String> lines = Files.readAllLines(cache, StandardCharsets.UTF_8);
            if (lines.size() >= 2 && lines.get(1).equals(key) && (lines.get(0).equals("kvm") || lines.get(0).equals("tcg"))) {
                decided = lines.get(0);
                return decided;
            }
        }
        decided = probe(config);
        Files.createDirectories(cache.toAbsolutePath().getParent());
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        Files.writeString(tmp, decided + "\n" + key + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return decided;
    }

    private String probe(VmConfig config) throws IOException {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
            log.info("accelerator: TCG (/dev/kvm is missing or not accessible)");
            return "tcg";
        }
        Files.createDirectories(config.runtimeDir());
        Path console = config.runtimeDir().resolve("kvm-probe.log");
        Files.deleteIfExists(console);
        List<String> command = List.of(options.binary(), "-accel", "kvm", "-cpu", "host", "-nodefaults", "-nographic",
                "-no-reboot", "-m", "256", "-smp", "1", "-kernel", config.kernel().toString(),
                "-initrd", config.initrd().toString(), "-append", "console=ttyS0 panic=-1 quiet layerd.probe=1",
                "-serial", "file:" + console);
        long start = System.nanoTime();
        Process qemu = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(config.runtimeDir().resolve("kvm-probe.out").toFile()).start();
        try {
            long deadline = start + options.probeTimeout().toNanos();
            while (System.nanoTime() < deadline) {
                if (Files.exists(console) && Files.readString(console, StandardCharsets.ISO_8859_1).contains(MARKER)) {
                    log.info("accelerator: KVM (probe boot reached init in {} ms)", (System.nanoTime() - start) / 1_000_000);
                    return "kvm";
                }
                if (!qemu.isAlive() && qemu.exitValue() != 0) {
                    break;
                }
                Thread.sleep(50);
            }
            log.warn("accelerator: TCG (a KVM boot did not reach init within {} ms; nested KVM may hang here)",
                    options.probeTimeout().toMillis());
            return "tcg";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while probing KVM");
        } finally {
            qemu.destroyForcibly();
            try {
                qemu.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(console);
            Files.deleteIfExists(config.runtimeDir().resolve("kvm-probe.out"));
        }
    }
}
