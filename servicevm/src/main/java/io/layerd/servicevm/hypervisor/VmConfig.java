package io.layerd.servicevm.hypervisor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a service VM is made of.
 *
 * @param id          unique name of the VM (used in paths, process titles and logs)
 * @param bootFiles   directory holding {@code kernel} and {@code initrd.img}
 * @param runtimeDir  directory owned by this VM for sockets, pid file and console log; the
 *                    hypervisor creates it and {@link VirtualMachine#close()} removes what it put there
 * @param memoryMiB   guest memory
 * @param cpus        virtual CPUs
 * @param kernelArgs  extra kernel command-line arguments (appended)
 */
public record VmConfig(String id, Path bootFiles, Path runtimeDir, int memoryMiB, int cpus, String kernelArgs) {
    public static final String KERNEL = "kernel";
    public static final String INITRD = "initrd.img";

    public VmConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bootFiles, "bootFiles");
        Objects.requireNonNull(runtimeDir, "runtimeDir");
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("VM id must be 1-64 characters of letters, digits, '_', '.', '-': " + id);
        }
        if (memoryMiB < 128) {
            throw new IllegalArgumentException("a service VM needs at least 128 MiB of memory, got " + memoryMiB);
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("a service VM needs at least one CPU, got " + cpus);
        }
        kernelArgs = kernelArgs == null ? "" : kernelArgs;
    }

    public Path kernel() {
        return bootFiles.resolve(KERNEL);
    }

    public Path initrd() {
        return bootFiles.resolve(INITRD);
    }
}
