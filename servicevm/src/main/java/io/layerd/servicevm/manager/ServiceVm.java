package io.layerd.servicevm.manager;

import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.api.servicevm.v1.ShutdownRequest;
import io.layerd.api.servicevm.v1.WaitForDeviceRequest;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.bridge.BridgeClosedException;
import io.layerd.servicevm.hypervisor.DiskAttachment;
import io.layerd.servicevm.hypervisor.DiskFormat;
import io.layerd.servicevm.hypervisor.VirtualMachine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One booted VM with its bridge: forwards requests, keeps disk attachments reference-counted (two
 * leases using the same image share one attachment), and turns a VM that died under a request
 * into an {@code Unavailable} error that points at the console log.
 */
final class ServiceVm {
    private static final Logger log = LoggerFactory.getLogger(ServiceVm.class);

    private final VirtualMachine vm;
    private final BridgeClient bridge;
    private final Instant started;
    private final Duration bootTime;
    private final Map<Path, DiskRef> disks = new LinkedHashMap<>();
    private final AtomicLong operations = new AtomicLong();

    private static final class DiskRef {
        final AttachedDisk disk;
        int refs;

        DiskRef(AttachedDisk disk) {
            this.disk = disk;
        }
    }

    ServiceVm(VirtualMachine vm, BridgeClient bridge, Instant started, Duration bootTime) {
        this.vm = vm;
        this.bridge = bridge;
        this.started = started;
        this.bootTime = bootTime;
    }

    String id() {
        return vm.id();
    }

    VirtualMachine machine() {
        return vm;
    }

    Instant started() {
        return started;
    }

    Duration bootTime() {
        return bootTime;
    }

    long operations() {
        return operations.get();
    }

    boolean isHealthy() {
        return vm.isRunning() && !bridge.isClosed();
    }

    Response call(Request request, Duration timeout, InputStream upload, OutputStream download) throws IOException {
        operations.incrementAndGet();
        try {
            return bridge.call(request, timeout, upload, download);
        } catch (BridgeClosedException e) {
            throw died(request.getOpCase().name().toLowerCase(java.util.Locale.ROOT), e);
        }
    }

    /** The error for a request that was in flight (or sent) when the VM went away. */
    LayerdException died(String what, Throwable cause) {
        return new LayerdException(ErrorKind.UNAVAILABLE, "service VM " + vm.id() + " stopped while serving " + what
                + "; its console log is " + vm.consoleLog(), cause);
    }

    synchronized AttachedDisk attach(Path image, DiskFormat format, boolean readOnly, Duration timeout) throws IOException {
        Path key = image.toAbsolutePath().normalize();
        DiskRef ref = disks.get(key);
        if (ref != null) {
            if (ref.disk.attachment().readOnly() != readOnly) {
                throw LayerdException.failedPrecondition("%s is already attached to service VM %s %s", image, vm.id(),
                        ref.disk.attachment().readOnly() ? "read-only" : "read-write");
            }
            ref.refs++;
            return ref.disk;
        }
        DiskAttachment attachment = vm.attach(key, format, readOnly);
        String device;
        try {
            Response r = call(Request.newBuilder().setWaitForDevice(WaitForDeviceRequest.newBuilder()
                    .setScsiTarget(attachment.target()).setScsiLun(attachment.lun())).build(), timeout, null, null);
            device = r.getDevice().getPath();
        } catch (IOException | RuntimeException e) {
            try {
                vm.detach(attachment);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        ref = new DiskRef(new AttachedDisk(attachment, device, vm.id()));
        ref.refs = 1;
        disks.put(key, ref);
        return ref.disk;
    }

    synchronized void detach(AttachedDisk disk) throws IOException {
        Path key = disk.attachment().image().toAbsolutePath().normalize();
        DiskRef ref = disks.get(key);
        if (ref == null || ref.disk != disk) {
            throw LayerdException.failedPrecondition("%s is not attached to service VM %s", disk.attachment().image(), vm.id());
        }
        if (--ref.refs > 0) {
            return;
        }
        disks.remove(key);
        vm.detach(disk.attachment());
    }

    synchronized List<String> diskDescriptions() {
        List<String> out = new ArrayList<>();
        for (DiskRef r : disks.values()) {
            DiskAttachment a = r.disk.attachment();
            out.add(a.image() + " -> " + r.disk.device() + " (" + a.format().name().toLowerCase(java.util.Locale.ROOT)
                    + ", " + (a.readOnly() ? "ro" : "rw") + ", " + r.refs + (r.refs == 1 ? " user)" : " users)"));
        }
        return out;
    }

    /** Asks the guest to power off, then makes sure the VM is gone and its runtime files removed. */
    void stop(Duration grace) {
        if (isHealthy()) {
            try {
                bridge.call(Request.newBuilder().setShutdown(ShutdownRequest.getDefaultInstance()).build(), Duration.ofSeconds(5));
            } catch (IOException e) {
                log.debug("service VM {}: shutdown request failed ({}), stopping it from the host", vm.id(), e.getMessage());
            }
        }
        try {
            vm.stop(grace);
        } catch (IOException e) {
            log.warn("service VM {}: stop failed: {}", vm.id(), e.getMessage());
        }
        try {
            bridge.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            vm.close();
        } catch (IOException e) {
            log.warn("service VM {}: cleanup failed: {}", vm.id(), e.getMessage());
        }
    }
}
