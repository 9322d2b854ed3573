package io.layerd.servicevm.hypervisor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A running service VM as its hypervisor sees it: process, disks, console, bridge transport. */
public interface VirtualMachine extends AutoCloseable {
    String id();

    /** "kvm", "tcg", "hyper-v": how the guest's instructions run. */
    String accelerator();

    /** Where the guest's serial console is written; error messages point at it. */
    Path consoleLog();

    /**
     * Connects the host end of the bridge (virtio-serial port, hvsock). Waits up to {@code timeout}
     * for the transport to exist; the guest agent may answer later than that.
     */
    BridgeTransport connectBridge(Duration timeout) throws IOException;

    /**
     * Hot-plugs a disk image. Each attachment gets a SCSI target/LUN unused in this VM; the guest
     * finds the device by that address.
     */
    DiskAttachment attach(Path image, DiskFormat format, boolean readOnly) throws IOException;

    /** Hot-unplugs a disk attached earlier, waiting until the hypervisor has released the image. */
    void detach(DiskAttachment disk) throws IOException;

    /** Disks attached now. */
    List<DiskAttachment> disks();

    /** Completes when the VM has stopped, for whatever reason (shutdown, crash, kill). */
    CompletableFuture<Void> exited();

    boolean isRunning();

    /** Stops the VM: up to {@code grace} for the guest to power off, then forcefully. */
    void stop(Duration grace) throws IOException;

    /** Stops the VM forcefully if still running and removes its runtime files (keeps the console log). */
    @Override
    void close() throws IOException;
}
