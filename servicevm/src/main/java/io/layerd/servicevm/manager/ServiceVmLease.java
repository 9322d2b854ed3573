package io.layerd.servicevm.manager;

import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.servicevm.hypervisor.DiskFormat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One owner's use of a service VM, from {@link ServiceVmManager#acquire} to {@link #close}. Every
 * call goes to the owner's current VM: if it died, the call fails with {@code Unavailable} and
 * the next one boots a fresh VM.
 */
public final class ServiceVmLease implements AutoCloseable {
    private final ServiceVmManager manager;
    private final ServiceVmManager.Slot slot;
    private final String owner;
    private final String operation;
    private final Instant started = Instant.now();
    private final long startedNanos = System.nanoTime();
    private final Set<String> vmIds = Collections.synchronizedSet(new LinkedHashSet<>());
    private final AtomicLong requests = new AtomicLong();
    private volatile Duration vmWait = Duration.ZERO;
    private boolean closed;

    ServiceVmLease(ServiceVmManager manager, ServiceVmManager.Slot slot, String owner, String operation) {
        this.manager = manager;
        this.slot = slot;
        this.owner = owner;
        this.operation = operation;
    }

    public String owner() {
        return owner;
    }

    /** Called once the VM serving a new lease is up: how long the acquire waited for it. */
    void vmReady() {
        vmWait = Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** Id of the VM now serving this lease (booting one if needed). */
    public String vmId() throws IOException {
        return vm().id();
    }

    /** A request with the manager's default deadline. */
    public Response call(Request request) throws IOException {
        return call(request, manager.settings().operationTimeout(), null, null);
    }

    /** A request with its payload: {@code upload} sent after it, chunks received written to {@code download}. */
    public Response call(Request request, Duration timeout, InputStream upload, OutputStream download) throws IOException {
        requests.incrementAndGet();
        return vm().call(request, timeout, upload, download);
    }

    /** Hot-plugs {@code image} (shared with other leases of the same VM) and returns its guest device. */
    public AttachedDisk attach(Path image, boolean readOnly) throws IOException {
        requests.incrementAndGet();
        return vm().attach(image, DiskFormat.of(image), readOnly, manager.settings().operationTimeout());
    }

    /** Releases this lease's use of a disk; the last user's detach unplugs it. */
    public void detach(AttachedDisk disk) throws IOException {
        ServiceVm vm = vm();
        if (!vm.id().equals(disk.vmId())) {
            return; // the VM it was attached to is gone, and the disk with it
        }
        vm.detach(disk);
    }

    private ServiceVm vm() throws IOException {
        if (closed) {
            throw new IllegalStateException("lease of " + owner + " is already released");
        }
        ServiceVm vm = manager.current(slot);
        vmIds.add(vm.id());
        return vm;
    }

    /** Releases the lease; in per-instance mode the owner's last release stops its VM. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            List<String> served;
            synchronized (vmIds) {
                served = List.copyOf(vmIds);
            }
            manager.release(slot, owner, new OperationRecord(operation, owner, served, started,
                    Duration.ofNanos(System.nanoTime() - startedNanos), requests.get(), vmWait));
        }
    }
}
