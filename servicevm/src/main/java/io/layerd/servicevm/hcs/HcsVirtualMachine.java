package io.layerd.servicevm.hcs;

import io.layerd.servicevm.hypervisor.BridgeTransport;
import io.layerd.servicevm.hypervisor.DiskAttachment;
import io.layerd.servicevm.hypervisor.DiskFormat;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HCS utility VM. Disks go on SCSI controller 0 at target 0, each on the lowest free LUN;
 * the bridge is the first hvsock connection the guest makes to {@link HvSocketIds#BRIDGE_PORT}.
 *
 * <p>A daemon thread waits in {@code HcsWaitForComputeSystemExit} for the whole life of the VM
 * and completes {@link #exited()}. The system handle is closed only after that wait has returned:
 * closing a handle an HCS call is still using can crash the process.
 */
final class HcsVirtualMachine implements VirtualMachine {
    static final Duration MODIFY_TIMEOUT = Duration.ofMinutes(1);
    static final Duration TERMINATE_TIMEOUT = Duration.ofMinutes(1);
    /** How long close() waits for the exit wait to return before it gives up on closing the handle. */
    static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    /** How long stop() waits for the exit wait to return after HCS reported a completed shutdown. */
    static final Duration EXIT_NOTICE = Duration.ofSeconds(5);
    /** A Hyper-V SCSI controller has 64 LUNs. */
    static final int MAX_LUNS = 64;
    private static final int SCSI_TARGET = 0;
    /** How often connectBridge looks at whether the VM is still there while it waits. */
    private static final Duration BRIDGE_POLL = Duration.ofMillis(200);
    private static final Logger log = LoggerFactory.getLogger(HcsVirtualMachine.class);

    private final VmConfig config;
    private final HcsClient hcs;
    private final HcsSystem system;
    private final BridgeListener listener;
    private final Path consoleLog;
    private final Map<Integer, DiskAttachment> disksByLun = new ConcurrentSkipListMap<>();
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private boolean closed;

    /** Takes over a started system and its bridge listener, and starts watching for its exit. */
    HcsVirtualMachine(VmConfig config, HcsClient hcs, HcsSystem system, BridgeListener listener, Path consoleLog) {
        this.config = config;
        this.hcs = hcs;
        this.system = system;
        this.listener = listener;
        this.consoleLog = consoleLog;
        Thread watcher = new Thread(this::watchExit, "hcs-exit " + config.id());
        watcher.setDaemon(true);
        watcher.start();
    }

    private void watchExit() {
        try {
            String document = hcs.awaitExit(system);
            log.info("service VM {} stopped{}", config.id(), document.isBlank() ? "" : ": " + document.strip());
            exited.complete(null);
        } catch (HcsException | RuntimeException e) {
            exited.completeExceptionally(e);
        }
    }

    @Override
    public String id() {
        return config.id();
    }

    @Override
    public String accelerator() {
        return "hyper-v";
    }

    @Override
    public Path consoleLog() {
        return consoleLog;
    }

    @Override
    public BridgeTransport connectBridge(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (exited.isDone()) {
                throw new IOException("service VM " + config.id() + " stopped before its agent connected to " + listener.describe()
                        + exitReason());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("the agent of service VM " + config.id() + " did not connect to " + listener.describe()
                        + " within " + timeout.toSeconds() + " s (HCS does not capture the guest console)");
            }
            BridgeTransport transport = listener.accept(Duration.ofNanos(Math.min(left, BRIDGE_POLL.toNanos())));
            if (transport != null) {
                return transport;
            }
        }
    }

    @Override
    public synchronized DiskAttachment attach(Path image, DiskFormat format, boolean readOnly) throws IOException {
        requireOpen();
        if (!Files.isRegularFile(image)) {
            throw new IOException("cannot attach " + image + ": no such file");
        }
        requireVirtualDiskName(image, format);
        int lun = 0;
        while (disksByLun.containsKey(lun)) {
            lun++;
        }
        if (lun >= MAX_LUNS) {
            throw new IOException("service VM " + config.id() + " already has " + MAX_LUNS + " disks attached");
        }
        Path absolute = image.toAbsolutePath();
        hcs.grantVmAccess(config.id(), absolute);
        ScsiModifyRequest request = ScsiModifyRequest.add(LcowUvmDocument.SCSI_CONTROLLER_0, lun, absolute, readOnly);
        hcs.modify(system, request.toJson(), MODIFY_TIMEOUT);
        DiskAttachment disk = new DiskAttachment(image, format, readOnly, SCSI_TARGET, lun, request.resourcePath());
        disksByLun.put(lun, disk);
        log.debug("VM {}: attached {} ({}, {}) at SCSI 0:{}", config.id(), image, format, readOnly ? "ro" : "rw", lun);
        return disk;
    }

    /**
     * Hyper-V picks the disk format from the file name and cannot attach a bare raw image: RAW
     * must be a fixed VHD named {@code .vhd}, VHDX a file named {@code .vhdx}.
     */
    private static void requireVirtualDiskName(Path image, DiskFormat format) throws IOException {
        String name = image.getFileName().toString().toLowerCase(Locale.ROOT);
        String expected = format == DiskFormat.VHDX ? ".vhdx" : ".vhd";
        if (!name.endsWith(expected)) {
            throw new IOException("cannot attach " + image + " as " + format + ": Hyper-V attaches only "
                    + (format == DiskFormat.VHDX ? "VHDX files named *.vhdx" : "fixed VHD files named *.vhd"));
        }
    }

    @Override
    public synchronized void detach(DiskAttachment disk) throws IOException {
        requireOpen();
        if (!disk.equals(disksByLun.get(disk.lun()))) {
            throw new IOException("disk " + disk.image() + " is not attached to service VM " + config.id());
        }
        hcs.modify(system, ScsiModifyRequest.remove(LcowUvmDocument.SCSI_CONTROLLER_0, disk.lun()).toJson(), MODIFY_TIMEOUT);
        disksByLun.remove(disk.lun());
    }

    @Override
    public List<DiskAttachment> disks() {
        return new ArrayList<>(disksByLun.values());
    }

    @Override
    public CompletableFuture<Void> exited() {
        return exited;
    }

    @Override
    public boolean isRunning() {
        return !exited.isDone();
    }

    /**
     * Asks HCS to shut the guest down within {@code grace}; if HCS refuses or the VM is still
     * there afterwards, terminates it. Returns once the VM has stopped.
     */
    @Override
    public synchronized void stop(Duration grace) throws IOException {
        if (closed || exited.isDone()) {
            return;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        boolean shutDown = false;
        try {
            hcs.shutDown(system, grace);
            shutDown = true;
        } catch (HcsException e) {
            log.debug("service VM {} did not shut down cleanly, terminating it: {}", config.id(), e.getMessage());
        }
        // After a clean shutdown the exit notice is on its way; give it a moment even if the grace is spent.
        Duration exitNotice = Duration.ofNanos(Math.max(EXIT_NOTICE.toNanos(), deadline - System.nanoTime()));
        if (!shutDown || !awaitExit(exitNotice)) {
            terminate();
            if (!awaitExit(EXIT_WAIT)) {
                throw new IOException("service VM " + config.id() + " did not stop within " + EXIT_WAIT.toSeconds() + " s of being terminated");
            }
        }
    }

    /**
     * Terminates the VM if it still runs, stops listening and closes the HCS handle. The handle is
     * left open, with a warning, if the exit wait has not returned: HCS still uses it then, and it
     * goes away with the process (ShouldTerminateOnLastHandleClosed stops the VM at that point).
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            listener.close();
        } catch (IOException e) {
            failure = e;
        }
        if (!exited.isDone()) {
            try {
                terminate();
            } catch (HcsException e) {
                failure = combine(failure, e);
            }
        }
        if (awaitExit(EXIT_WAIT)) {
            hcs.close(system);
        } else {
            log.warn("service VM {} did not report its exit within {} s; its HCS handle stays open until the daemon exits",
                    config.id(), EXIT_WAIT.toSeconds());
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException combine(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** Terminates; a VM that stopped meanwhile is what was wanted. */
    private void terminate() throws HcsException {
        try {
            hcs.terminate(system, TERMINATE_TIMEOUT);
        } catch (HcsException e) {
            if (e.hresult() != HResult.HCS_E_SYSTEM_ALREADY_STOPPED && e.hresult() != HResult.HCS_E_INVALID_STATE
                    && e.hresult() != HResult.HCS_E_TERMINATED && !exited.isDone()) {
                throw e;
            }
        }
    }

    /** True once the exit wait has returned, normally or with an error. */
    private boolean awaitExit(Duration timeout) throws InterruptedIOException {
        try {
            exited.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for service VM " + config.id() + " to stop");
        }
    }

    /** ": <why the exit wait failed>" when it did, else nothing. */
    private String exitReason() {
        try {
            exited.getNow(null);
            return "";
        } catch (CompletionException e) {
            return ": " + e.getCause().getMessage();
        }
    }

    private void requireOpen() throws IOException {
        if (closed) {
            throw new IOException("service VM " + config.id() + " is closed");
        }
    }
}
