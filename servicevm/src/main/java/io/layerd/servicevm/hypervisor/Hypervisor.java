package io.layerd.servicevm.hypervisor;

import java.io.IOException;

/**
 * Starts Linux service VMs from a kernel and an initrd. One implementation per host platform:
 * QEMU on Linux, the Host Compute Service on Windows.
 */
public interface Hypervisor {
    /** Short name for logs and status: "qemu", "hcs". */
    String name();

    /**
     * Starts a VM and returns once the hypervisor runs it; the guest agent may still be booting
     * (the caller waits for the bridge). On failure nothing of the VM is left running.
     */
    VirtualMachine start(VmConfig config) throws IOException;

    /**
     * Stops VMs a previous run left behind under {@code runtimeRoot} (the daemon was killed before
     * it could stop them) and removes their runtime files. Returns how many VMs were stopped.
     */
    default int cleanupOrphans(java.nio.file.Path runtimeRoot) throws IOException {
        return 0;
    }
}
