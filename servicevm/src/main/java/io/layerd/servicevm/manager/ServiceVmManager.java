package io.layerd.servicevm.manager;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.hypervisor.BridgeTransport;
import io.layerd.servicevm.hypervisor.Hypervisor;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs service VMs for owners (snapshots, operations) in one of two {@link Lifetime}s.
 *
 * <p>Global: every owner shares one slot, so one VM; it boots on first use and stays (or stops
 * after {@link ManagerSettings#idleShutdown()} without leases). Per-instance: one slot per owner,
 * its VM stopped when the owner's last lease is released. In both, callers that need a slot's VM
 * while it boots wait for that same boot, and a VM found dead is replaced by a fresh one on next
 * use. At construction, VMs left by an earlier run (daemon killed) are stopped.
 */
public final class ServiceVmManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceVmManager.class);
    private static final String GLOBAL_SLOT = "";

    private final Hypervisor hypervisor;
    private final ManagerSettings settings;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final ExecutorService boots = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "service-vm-boot");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService idleTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "service-vm-idle");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger vmNumbers = new AtomicInteger();
    private final AtomicInteger bootCount = new AtomicInteger();
    private boolean closed;
    /** Operations kept for status: enough to see a burst, bounded for a daemon that runs for months. */
    private static final int RECENT_OPERATIONS = 100;
    private final java.util.ArrayDeque<OperationRecord> recent = new java.util.ArrayDeque<>();

    /** The VM (running or booting) of one global or per-instance slot, and who holds it. */
    static final class Slot {
        final String key;
        final Map<String, Integer> owners = new TreeMap<>();
        int leases;
        CompletableFuture<ServiceVm> vm;
        ScheduledFuture<?> idle;

        Slot(String key) {
            this.key = key;
        }
    }

    public ServiceVmManager(Hypervisor hypervisor, ManagerSettings settings) throws IOException {
        this.hypervisor = hypervisor;
        this.settings = settings;
        int orphans = hypervisor.cleanupOrphans(settings.runtimeRoot());
        if (orphans > 0) {
            log.warn("stopped {} service VM(s) left running by an earlier run", orphans);
        }
    }

    public ManagerSettings settings() {
        return settings;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    /** VMs booted so far (tests and status: one boot shared by many owners in global mode). */
    public int bootCount() {
        return bootCount.get();
    }

    /**
     * A lease on a VM for {@code owner}, booting the VM if it is not running. Fails with
     * {@code Unavailable} if the VM cannot boot; the lease is then not held.
     */
    public ServiceVmLease acquire(String owner) throws IOException {
        return acquire(owner, "other");
    }

    /** As {@link #acquire(String)}, recording the lease as {@code operation} in {@link #recentOperations()}. */
    public ServiceVmLease acquire(String owner, String operation) throws IOException {
        if (owner == null || owner.isBlank()) {
            throw LayerdException.invalidArgument("a service VM owner must be named");
        }
        Slot slot;
        synchronized (this) {
            if (closed) {
                throw LayerdException.unavailable("the service VM manager is shut down");
            }
            String key = settings.lifetime() == Lifetime.GLOBAL ? GLOBAL_SLOT : owner;
            slot = slots.computeIfAbsent(key, Slot::new);
            slot.leases++;
            slot.owners.merge(owner, 1, Integer::sum);
            if (slot.idle != null) {
                slot.idle.cancel(false);
                slot.idle = null;
            }
        }
        ServiceVmLease lease = new ServiceVmLease(this, slot, owner, operation);
        try {
            lease.vmId(); // boots it if needed, and records which VM serves the lease
            lease.vmReady();
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
        return lease;
    }

    /** The slot's healthy VM, waiting for a boot in progress or starting one. */
    ServiceVm current(Slot slot) throws IOException {
        CompletableFuture<ServiceVm> future;
        synchronized (this) {
            if (closed) {
                throw LayerdException.unavailable("the service VM manager is shut down");
            }
            future = slot.vm;
            if (future != null && future.isDone()) {
                ServiceVm vm = future.isCompletedExceptionally() ? null : future.join();
                if (vm == null || !vm.isHealthy()) {
                    if (vm != null) {
                        log.warn("service VM {} stopped unexpectedly; the next request boots a new one (console log {})",
                                vm.id(), vm.machine().consoleLog());
                        ServiceVm dead = vm;
                        boots.execute(() -> dead.stop(Duration.ofSeconds(1)));
                    }
                    future = null;
                }
            }
            if (future == null) {
                CompletableFuture<ServiceVm> booting = new CompletableFuture<>();
                slot.vm = booting;
                future = booting;
                boots.execute(() -> boot(booting));
            }
        }
        try {
            return future.get(settings.bootTimeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a service VM to boot");
        } catch (TimeoutException e) {
            throw LayerdException.unavailable("no service VM became ready within %d s", settings.bootTimeout().toSeconds());
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof LayerdException le) {
                throw new LayerdException(le.kind(), le.getMessage(), le);
            }
            throw new LayerdException(ErrorKind.UNAVAILABLE, "cannot start a service VM: " + c.getMessage(), c);
        }
    }

    private void boot(CompletableFuture<ServiceVm> result) {
        String id = (settings.lifetime() == Lifetime.GLOBAL ? "global-" : "vm-") + vmNumbers.incrementAndGet();
        VmConfig config = new VmConfig(id, settings.bootFiles(), settings.runtimeRoot().resolve(id), settings.memoryMiB(),
                settings.cpus(), settings.kernelArgs());
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        VirtualMachine vm = null;
        BridgeClient bridge = null;
        try {
            vm = hypervisor.start(config);
            bootCount.incrementAndGet();
            VirtualMachine machine = vm;
            BridgeTransport transport = vm.connectBridge(settings.bootTimeout());
            bridge = new BridgeClient(transport, () -> "service VM " + id + " is gone (" + (machine.isRunning() ? "bridge closed"
                    : "VM stopped") + "); its console log is " + machine.consoleLog());
            long left = settings.bootTimeout().toNanos() - (System.nanoTime() - t0);
            bridge.handshake(Duration.ofNanos(Math.max(left, 1)));
            Duration bootTime = Duration.ofNanos(System.nanoTime() - t0);
            log.info("service VM {} ready in {} ms ({}, {}, console {})", id, bootTime.toMillis(), hypervisor.name(),
                    vm.accelerator(), vm.consoleLog());
            result.complete(new ServiceVm(vm, bridge, started, bootTime));
        } catch (Throwable e) {
            String where = vm == null ? "" : "; its console log is " + vm.consoleLog();
            if (bridge != null) {
                try {
                    bridge.close();
                } catch (IOException ignored) {
                    // closing after a failure
                }
            }
            if (vm != null) {
                try {
                    vm.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            log.error("service VM {} failed to start: {}{}", id, e.getMessage(), where);
            result.completeExceptionally(new LayerdException(ErrorKind.UNAVAILABLE,
                    "service VM " + id + " did not become ready: " + e.getMessage() + where, e));
        }
    }

    void release(Slot slot, String owner, OperationRecord record) {
        ServiceVm stop = null;
        synchronized (this) {
            if (!record.vmIds().isEmpty()) { // empty: the VM never came up, and acquire failed
                recent.addLast(record);
                while (recent.size() > RECENT_OPERATIONS) {
                    recent.removeFirst();
                }
            }
            slot.leases--;
            slot.owners.computeIfPresent(owner, (o, n) -> n == 1 ? null : n - 1);
            if (slot.leases > 0) {
                return;
            }
            if (settings.lifetime() == Lifetime.PER_INSTANCE) {
                slots.remove(slot.key);
                stop = vmOf(slot);
            } else if (!settings.idleShutdown().isZero() && !closed) {
                slot.idle = idleTimer.schedule(() -> stopIdle(slot), settings.idleShutdown().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (stop != null) {
            log.info("service VM {}: last lease of {} released, stopping it", stop.id(), owner);
            stop.stop(Duration.ofSeconds(10));
        }
    }

    private void stopIdle(Slot slot) {
        ServiceVm stop;
        synchronized (this) {
            if (slot.leases > 0 || slot.vm == null) {
                return;
            }
            stop = vmOf(slot);
            slot.vm = null;
        }
        if (stop != null) {
            log.info("service VM {}: idle for {} s, stopping it", stop.id(), settings.idleShutdown().toSeconds());
            stop.stop(Duration.ofSeconds(10));
        }
    }

    /**
     * The slot's VM if booted (waits for a boot in progress), else null. The wait ignores
     * interrupts: an acquire interrupted during the boot releases its lease with the interrupt
     * still pending, and answering "no VM" there would leave the VM of that boot running with no
     * one to stop it (per-instance mode has already forgotten the slot).
     */
    private static ServiceVm vmOf(Slot slot) {
        CompletableFuture<ServiceVm> f = slot.vm;
        if (f == null) {
            return null;
        }
        try {
            return f.join();
        } catch (CompletionException | CancellationException e) {
            return null;
        }
    }

    /** The last operations served (oldest first), for {@code layerd vm status}. */
    public synchronized List<OperationRecord> recentOperations() {
        return List.copyOf(recent);
    }

    /** Running VMs. */
    public synchronized List<VmStatus> status() {
        List<VmStatus> out = new ArrayList<>();
        for (Slot slot : slots.values()) {
            CompletableFuture<ServiceVm> f = slot.vm;
            if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
                continue;
            }
            ServiceVm vm = f.join();
            if (!vm.isHealthy()) {
                continue;
            }
            out.add(new VmStatus(vm.id(), List.copyOf(slot.owners.keySet()), vm.machine().accelerator(), vm.started(),
                    vm.bootTime(), vm.diskDescriptions(), vm.operations(), vm.machine().consoleLog().toString()));
        }
        return out;
    }

    /** Stops every VM; leases still held fail with {@code Unavailable} afterwards. */
    @Override
    public void close() {
        List<ServiceVm> running = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Slot slot : slots.values()) {
                if (slot.idle != null) {
                    slot.idle.cancel(false);
                }
                ServiceVm vm = vmOf(slot);
                if (vm != null) {
                    running.add(vm);
                }
            }
            slots.clear();
        }
        for (ServiceVm vm : running) {
            vm.stop(Duration.ofSeconds(10));
        }
        idleTimer.shutdownNow();
        boots.shutdownNow();
    }
}
