package io.layerd.servicevm.manager;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ServiceVmManager}.
 *
 * @param lifetime          global or per-instance
 * @param bootFiles         directory with {@code kernel} and {@code initrd.img}
 * @param runtimeRoot       one sub-directory per VM (sockets, console log); swept of orphans at start
 * @param memoryMiB         memory of each VM
 * @param cpus              virtual CPUs of each VM
 * @param bootTimeout       start to agent handshake
 * @param operationTimeout  default deadline of a request
 * @param idleShutdown      global mode: stop the VM after this long without leases; zero keeps it
 * @param kernelArgs        extra kernel command line
 */
public record ManagerSettings(Lifetime lifetime, Path bootFiles, Path runtimeRoot, int memoryMiB, int cpus,
                              Duration bootTimeout, Duration operationTimeout, Duration idleShutdown, String kernelArgs) {
    public ManagerSettings {
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(bootFiles, "bootFiles");
        Objects.requireNonNull(runtimeRoot, "runtimeRoot");
        bootTimeout = positive(bootTimeout, Duration.ofMinutes(2), "boot timeout");
        operationTimeout = positive(operationTimeout, Duration.ofMinutes(5), "operation timeout");
        idleShutdown = idleShutdown == null ? Duration.ZERO : idleShutdown;
        kernelArgs = kernelArgs == null ? "" : kernelArgs;
    }

    private static Duration positive(Duration d, Duration otherwise, String what) {
        if (d == null) {
            return otherwise;
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
        return d;
    }
}
