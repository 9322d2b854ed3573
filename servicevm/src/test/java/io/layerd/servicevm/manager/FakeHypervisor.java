package io.layerd.servicevm.manager;

import io.layerd.servicevm.hypervisor.Hypervisor;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A hypervisor whose VMs are {@link FakeVirtualMachine}s: the real guest agent served in-process,
 * with a guest filesystem (sysfs, /dev) under {@code guestRoot}. A boot can be made slow or made to fail.
 */
final class FakeHypervisor implements Hypervisor {
    private final Path guestRoot;
    private final List<FakeVirtualMachine> machines = new CopyOnWriteArrayList<>();
    private final AtomicInteger starts = new AtomicInteger();
    private final AtomicReference<String> nextFailure = new AtomicReference<>();
    private volatile Duration bootDelay = Duration.ZERO;
    private volatile boolean silentAgents;

    FakeHypervisor(Path guestRoot) {
        this.guestRoot = guestRoot;
    }

    /** Every later start takes this long before the VM exists, so that callers overlap a boot. */
    FakeHypervisor bootDelay(Duration delay) {
        this.bootDelay = delay;
        return this;
    }

    /** The next start fails with an IOException carrying {@code message}, as a missing KVM would. */
    FakeHypervisor failNextStart(String message) {
        nextFailure.set(message);
        return this;
    }

    /** VMs started from now on run, but their agent never answers (a guest stuck in boot). */
    FakeHypervisor silentAgents(boolean silent) {
        this.silentAgents = silent;
        return this;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public VirtualMachine start(VmConfig config) throws IOException {
        starts.incrementAndGet();
        try {
            if (!bootDelay.isZero()) {
                Thread.sleep(bootDelay.toMillis());
            }
            String failure = nextFailure.getAndSet(null);
            if (failure != null) {
                throw new IOException(failure);
            }
            Files.createDirectories(config.runtimeDir());
            FakeVirtualMachine vm = new FakeVirtualMachine(config, guestRoot.resolve(config.id()), silentAgents);
            machines.add(vm);
            return vm;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting " + config.id());
        }
    }

    /** Calls of {@link #start}, failed ones included. */
    int starts() {
        return starts.get();
    }

    /** VMs that started (a failed start leaves none). */
    int bootCount() {
        return machines.size();
    }

    List<FakeVirtualMachine> machines() {
        return List.copyOf(machines);
    }

    FakeVirtualMachine machine(String id) {
        return machines.stream().filter(m -> m.id().equals(id)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no VM " + id + " was started; started: " + machines));
    }
}
