package io.layerd.servicevm.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How layerd runs QEMU.
 *
 * @param binary        the emulator, {@code qemu-system-x86_64} on PATH by default
 * @param accelerator   {@code auto} (KVM if it really boots here, else TCG), {@code kvm} or {@code tcg}
 * @param probeCache    file remembering the answer of the KVM probe, so it runs once per machine
 * @param probeTimeout  how long a KVM boot may take to reach the guest's init before KVM counts as broken
 */
public record QemuOptions(String binary, Accelerator accelerator, Path probeCache, Duration probeTimeout) {
    /** Accelerator setting. */
    public enum Accelerator {
        AUTO, KVM, TCG;

        public static Accelerator parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("accelerator must be auto, kvm or tcg, not '" + s + "'");
            }
        }
    }

    public QemuOptions {
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(probeCache, "probeCache");
        binary = binary == null || binary.isBlank() ? "qemu-system-x86_64" : binary;
        probeTimeout = probeTimeout == null ? Duration.ofSeconds(15) : probeTimeout;
    }
}
