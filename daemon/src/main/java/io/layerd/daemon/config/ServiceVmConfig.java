package io.layerd.daemon.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code [servicevm]} section: how layerd runs its Linux service VMs.
 *
 * @param mode              "global" or "per-instance"
 * @param bootFiles         directory with {@code kernel} and {@code initrd.img} (scripts/build-bootfiles.sh)
 * @param memoryMiB         memory of each VM
 * @param cpus              virtual CPUs of each VM
 * @param accelerator       QEMU: "auto", "kvm" or "tcg"
 * @param qemu              QEMU binary
 * @param bootTimeout       start to a ready guest agent
 * @param operationTimeout  default deadline of one request to the agent
 * @param idleShutdown      global mode: stop the VM after this long unused; 0 keeps it running
 */
public record ServiceVmConfig(String mode, Path bootFiles, int memoryMiB, int cpus, String accelerator, String qemu,
                              Duration bootTimeout, Duration operationTimeout, Duration idleShutdown) {
    /** Where the boot files script puts its output by default. */
    public static final Path DEFAULT_BOOT_FILES = Path.of("/var/cache/layerd/LinuxBootFiles");

    public static ServiceVmConfig defaults() {
        String env = System.getenv("LAYERD_BOOTFILES");
        return new ServiceVmConfig("global", env != null && !env.isBlank() ? Path.of(env) : DEFAULT_BOOT_FILES, 1024, 2, "auto",
                "qemu-system-x86_64", Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ZERO);
    }

    /** Per-VM runtime directories (sockets, console logs) under the daemon root. */
    public static Path runtimeRoot(Path root) {
        return root.resolve("servicevm").resolve("run");
    }

    /** The cached answer of the KVM probe. */
    public static Path acceleratorCache(Path root) {
        return root.resolve("servicevm").resolve("accelerator");
    }
}
