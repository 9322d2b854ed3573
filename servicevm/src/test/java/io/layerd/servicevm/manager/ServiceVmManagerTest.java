package io.layerd.servicevm.manager;

import io.layerd.api.servicevm.v1.PingRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.SleepRequest;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.servicevm.hypervisor.DiskFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The manager's lifecycle rules on a fake hypervisor whose VMs run the real guest agent
 * in-process: sharing and isolation, boots that fail or crash, idle shutdown, disk sharing.
 * Waits poll for an event rather than sleep for a guessed time, so a slow machine only makes
 * the tests slower.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceVmManagerTest {
    /** How long a test waits for something the manager does in the background. */
    private static final Duration EVENTUALLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private FakeHypervisor hypervisor;
    private final List<ServiceVmManager> managers = new ArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-caller");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void fakeHypervisor() {
        hypervisor = new FakeHypervisor(dir.resolve("guests"));
    }

    @AfterEach
    void stopEverything() {
        managers.forEach(ServiceVmManager::close);
        callers.shutdownNow();
    }

    private ServiceVmManager manager(Lifetime lifetime) throws IOException {
        return manager(lifetime, Duration.ZERO, Duration.ofSeconds(20));
    }

    private ServiceVmManager manager(Lifetime lifetime, Duration idleShutdown, Duration bootTimeout) throws IOException {
        ManagerSettings settings = new ManagerSettings(lifetime, dir.resolve("boot"), dir.resolve("run"), 256, 1,
                bootTimeout, Duration.ofSeconds(30), idleShutdown, "");
        ServiceVmManager manager = new ServiceVmManager(hypervisor, settings);
        managers.add(manager);
        return manager;
    }

    private static Request ping() {
        return Request.newBuilder().setPing(PingRequest.getDefaultInstance()).build();
    }

    private static Request sleep(long millis) {
        return Request.newBuilder().setSleep(SleepRequest.newBuilder().setMillis(millis)).build();
    }

    /** Runs every task at the same moment (as far as threads allow) and returns their results in order. */
    private <T> List<T> concurrently(List<Callable<T>> tasks) throws Exception {
        CountDownLatch ready = new CountDownLatch(tasks.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(callers.submit(() -> {
                ready.countDown();
                go.await();
                return task.call();
            }));
        }
        assertTrue(ready.await(EVENTUALLY.toMillis(), TimeUnit.MILLISECONDS), "callers did not start");
        go.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(EVENTUALLY.toSeconds() * 3, TimeUnit.SECONDS));
        }
        return results;
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + EVENTUALLY.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not within " + EVENTUALLY.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static LayerdException fails(ErrorKind kind, Executable call) {
        LayerdException e = assertThrows(LayerdException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    private static Path image(Path dir, String name) throws IOException {
        Path image = dir.resolve(name);
        Files.write(image, new byte[4096]);
        return image;
    }

    @Test
    void globalModeBootsOneVmForAllOwnersAcquiringAtOnce() throws Exception {
        hypervisor.bootDelay(Duration.ofMillis(200)); // long enough for every caller to arrive during the boot
        ServiceVmManager manager = manager(Lifetime.GLOBAL);
        List<Callable<ServiceVmLease>> acquires = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String owner = "owner-" + (i % 4);
            acquires.add(() -> manager.acquire(owner));
        }

        List<ServiceVmLease> leases = concurrently(acquires);

        assertEquals(1, hypervisor.starts());
        assertEquals(1, manager.bootCount());
        String vmId = leases.get(0).vmId();
        for (ServiceVmLease lease : leases) {
            assertEquals(vmId, lease.vmId());
            lease.call(ping());
        }
        List<VmStatus> status = manager.status();
        assertEquals(1, status.size(), status.toString());
        assertEquals(vmId, status.get(0).id());
        assertEquals(List.of("owner-0", "owner-1", "owner-2", "owner-3"), status.get(0).owners());
        leases.forEach(ServiceVmLease::close);
        assertTrue(hypervisor.machine(vmId).isRunning(), "without idle shutdown the global VM stays after its last lease");
    }

    @Test
    void perInstanceModeSharesABootInProgressAndStopsTheVmWithItsLastLease() throws Exception {
        hypervisor.bootDelay(Duration.ofMillis(500));
        ServiceVmManager manager = manager(Lifetime.PER_INSTANCE);

        List<ServiceVmLease> leasesOfA = concurrently(List.of(() -> manager.acquire("a"), () -> manager.acquire("a")));
        assertEquals(1, hypervisor.starts(), "the second caller waits for the boot the first started");
        String vmOfA = leasesOfA.get(0).vmId();
        assertEquals(vmOfA, leasesOfA.get(1).vmId());

        hypervisor.bootDelay(Duration.ZERO);
        ServiceVmLease leaseOfB = manager.acquire("b");
        String vmOfB = leaseOfB.vmId();
        assertNotEquals(vmOfA, vmOfB, "each owner has a VM of its own");
        assertEquals(2, hypervisor.bootCount());

        FakeVirtualMachine a = hypervisor.machine(vmOfA);
        leasesOfA.get(0).close();
        assertTrue(a.isRunning(), "a has another lease");
        leasesOfA.get(0).close();
        assertTrue(a.isRunning(), "releasing the same lease twice must not count twice");
        assertThrows(IllegalStateException.class, leasesOfA.get(0)::vmId);

        leasesOfA.get(1).close();
        assertFalse(a.isRunning(), "the owner's last release stops its VM");
        assertTrue(a.closed());
        eventually("the guest is asked to power off", a::guestPoweredOff);
        assertTrue(hypervisor.machine(vmOfB).isRunning(), "another owner's VM is not affected");
        leaseOfB.call(ping());
        List<VmStatus> status = manager.status();
        assertEquals(1, status.size(), status.toString());
        assertEquals(vmOfB, status.get(0).id());
        assertEquals(List.of("b"), status.get(0).owners());
        leaseOfB.close();
        assertFalse(hypervisor.machine(vmOfB).isRunning());
    }

    /**
     * The caller's release runs with its interrupt still pending; the VM its boot brings up must
     * still be found and stopped, since per-instance mode forgets the slot on that release.
     */
    @Test
    void everyReleasedLeaseIsRecordedWithItsVmAndRequests() throws Exception {
        ServiceVmManager manager = manager(Lifetime.PER_INSTANCE);
        String vm;
        try (ServiceVmLease lease = manager.acquire("a", "compare")) {
            lease.call(ping());
            lease.call(ping());
            vm = lease.vmId();
        }
        manager.acquire("b", "idle").close();
        List<OperationRecord> recent = manager.recentOperations();
        assertEquals(2, recent.size(), recent.toString());
        assertEquals("idle", recent.get(1).operation());
        assertEquals(0, recent.get(1).requests(), "its VM booted for it, and it sent nothing");
        assertNotEquals(vm, recent.get(1).vmIds().get(0), "per-instance: b had a VM of its own");
        OperationRecord op = recent.get(0);
        assertEquals("compare", op.operation());
        assertEquals("a", op.owner());
        assertEquals(List.of(vm), op.vmIds());
        assertEquals(2, op.requests());
        assertTrue(op.vmWait().compareTo(op.duration()) <= 0, op.toString());
    }

    @Test
    void perInstanceVmBootedForAnAcquireThatWasInterruptedIsStopped() throws Exception {
        hypervisor.bootDelay(Duration.ofMillis(1_000));
        ServiceVmManager manager = manager(Lifetime.PER_INSTANCE);
        AtomicReference<Throwable> acquireFailure = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                manager.acquire("a").close();
            } catch (Throwable t) {
                acquireFailure.set(t);
            }
        }, "interrupted-acquire");
        caller.start();
        eventually("the boot starts", () -> hypervisor.starts() == 1);

        caller.interrupt();
        caller.join(EVENTUALLY.toMillis() * 3);

        assertInstanceOf(InterruptedIOException.class, acquireFailure.get());
        eventually("the VM finishes booting", () -> hypervisor.bootCount() == 1);
        FakeVirtualMachine orphan = hypervisor.machines().get(0);
        eventually("the VM nobody holds a lease on is stopped", () -> !orphan.isRunning());
        assertTrue(manager.status().isEmpty());
    }

    @Test
    void aFailedBootIsUnavailableAndTheNextAcquireBootsAgain() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL);
        hypervisor.failNextStart("cannot open /dev/kvm: No such file or directory");

        LayerdException e = fails(ErrorKind.UNAVAILABLE, () -> manager.acquire("a"));
        assertTrue(e.getMessage().contains("cannot open /dev/kvm"), e.getMessage());
        assertTrue(manager.status().isEmpty());

        try (ServiceVmLease lease = manager.acquire("a")) {
            lease.call(ping());
            assertEquals(2, hypervisor.starts());
            assertEquals(1, hypervisor.bootCount());
            assertEquals(List.of("a"), manager.status().get(0).owners(), "the failed acquire holds no lease");
        }
    }

    @Test
    void aVmWhoseAgentNeverAnswersIsUnavailableAndCleanedUp() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL, Duration.ZERO, Duration.ofMillis(500));
        hypervisor.silentAgents(true);

        LayerdException e = fails(ErrorKind.UNAVAILABLE, () -> manager.acquire("a"));
        assertTrue(e.getMessage().contains("console log"), e.getMessage());
        FakeVirtualMachine stuck = hypervisor.machines().get(0);
        assertFalse(stuck.isRunning(), "a VM that did not become ready is not left running");
        assertTrue(stuck.closed());

        hypervisor.silentAgents(false);
        try (ServiceVmLease lease = manager.acquire("a")) {
            lease.call(ping());
        }
    }

    @Test
    void aVmKilledUnderARequestFailsItAndTheNextCallBootsAFreshVm() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL);
        try (ServiceVmLease lease = manager.acquire("a")) {
            String firstVm = lease.vmId();
            FakeVirtualMachine vm = hypervisor.machine(firstVm);
            Future<?> sleeping = callers.submit(() -> lease.call(sleep(5_000)));
            eventually("the agent runs the sleep", () -> vm.requestsStarted().contains(Request.OpCase.SLEEP));

            vm.kill();

            ExecutionException failed = assertThrows(ExecutionException.class, () -> sleeping.get(30, TimeUnit.SECONDS));
            LayerdException e = assertInstanceOf(LayerdException.class, failed.getCause());
            assertEquals(ErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("console log"), e.getMessage());
            assertTrue(e.getMessage().contains(vm.consoleLog().toString()), e.getMessage());

            lease.call(ping());
            assertEquals(2, hypervisor.bootCount());
            assertNotEquals(firstVm, lease.vmId());
            eventually("the dead VM is cleaned up", vm::closed);
            List<VmStatus> status = manager.status();
            assertEquals(1, status.size());
            assertEquals(lease.vmId(), status.get(0).id());
        }
    }

    @Test
    void globalVmStopsAfterIdleShutdownAndBootsAgainWhenNeeded() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL, Duration.ofMillis(300), Duration.ofSeconds(20));
        String firstVm;
        try (ServiceVmLease lease = manager.acquire("a")) {
            firstVm = lease.vmId();
        }
        FakeVirtualMachine first = hypervisor.machine(firstVm);
        eventually("the idle VM stops", () -> !first.isRunning());
        eventually("an idle VM is shut down in order, not killed", first::guestPoweredOff);
        assertTrue(manager.status().isEmpty());

        try (ServiceVmLease lease = manager.acquire("b")) {
            assertNotEquals(firstVm, lease.vmId());
            assertEquals(2, hypervisor.bootCount());
            lease.call(ping());
        }
    }

    @Test
    void globalVmReacquiredBeforeIdleShutdownKeepsRunning() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL, Duration.ofMillis(300), Duration.ofSeconds(20));
        ServiceVmLease first = manager.acquire("a");
        String vmId = first.vmId();
        first.close();
        try (ServiceVmLease again = manager.acquire("b")) {
            Thread.sleep(1_500); // well past the idle shutdown the release scheduled
            assertTrue(hypervisor.machine(vmId).isRunning(), "a VM in use must not be stopped for idleness");
            assertEquals(vmId, again.vmId());
            again.call(ping());
            assertEquals(1, hypervisor.bootCount());
        }
        eventually("the VM stops once idle again", () -> !hypervisor.machine(vmId).isRunning());
    }

    @Test
    void leasesShareOneAttachmentOfAnImageUntilTheLastDetach() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL);
        Path image = image(dir, "layer.img");
        try (ServiceVmLease a = manager.acquire("a"); ServiceVmLease b = manager.acquire("b")) {
            FakeVirtualMachine vm = hypervisor.machine(a.vmId());

            AttachedDisk ofA = a.attach(image, false);
            AttachedDisk ofB = b.attach(image, false);

            assertSame(ofA, ofB);
            assertEquals(1, vm.attachCalls(), "one hot-plug for both leases");
            assertEquals(vm.sysBlock(ofA.attachment().target()).getFileName().toString(),
                    Path.of(ofA.device()).getFileName().toString(), "the device the guest agent found for the SCSI target");
            assertEquals(List.of(image + " -> " + ofA.device() + " (raw, rw, 2 users)"), manager.status().get(0).disks());

            a.detach(ofA);
            assertEquals(1, vm.disks().size(), "b still uses it");
            assertEquals(0, vm.detachCalls());
            b.detach(ofB);
            assertTrue(vm.disks().isEmpty(), "the last user's detach unplugs it");
            assertEquals(1, vm.detachCalls());
            assertTrue(manager.status().get(0).disks().isEmpty());
        }
    }

    @Test
    void anImageAttachedReadWriteCannotBeAttachedReadOnlyToo() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL);
        Path image = image(dir, "scratch.vhdx");
        try (ServiceVmLease a = manager.acquire("a"); ServiceVmLease b = manager.acquire("b")) {
            AttachedDisk writable = a.attach(image, false);
            assertEquals(DiskFormat.VHDX, writable.attachment().format());

            LayerdException e = fails(ErrorKind.FAILED_PRECONDITION, () -> b.attach(image, true));
            assertTrue(e.getMessage().contains("read-write"), e.getMessage());
            assertEquals(1, hypervisor.machine(a.vmId()).attachCalls());

            a.detach(writable);
            AttachedDisk readOnly = b.attach(image, true);
            assertTrue(readOnly.attachment().readOnly(), "once unplugged, the image can be attached read-only");
            b.detach(readOnly);
        }
    }

    @Test
    void acquireAfterCloseIsUnavailable() throws Exception {
        ServiceVmManager manager = manager(Lifetime.GLOBAL);
        ServiceVmLease held = manager.acquire("a");
        FakeVirtualMachine vm = hypervisor.machine(held.vmId());

        manager.close();

        assertFalse(vm.isRunning(), "close stops every VM");
        assertTrue(vm.closed());
        fails(ErrorKind.UNAVAILABLE, () -> manager.acquire("b"));
        fails(ErrorKind.UNAVAILABLE, () -> held.call(ping()));
        held.close();
        assertEquals(1, hypervisor.starts(), "nothing boots after close");
    }

    @Test
    void anOwnerMustBeNamed() throws Exception {
        ServiceVmManager manager = manager(Lifetime.PER_INSTANCE);
        fails(ErrorKind.INVALID_ARGUMENT, () -> manager.acquire(""));
        fails(ErrorKind.INVALID_ARGUMENT, () -> manager.acquire("  "));
        fails(ErrorKind.INVALID_ARGUMENT, () -> manager.acquire(null));
        assertEquals(0, hypervisor.starts());
    }

    @Test
    void statusReportsBootTimeAndCountsOperations() throws Exception {
        ServiceVmManager manager = manager(Lifetime.PER_INSTANCE);
        try (ServiceVmLease lease = manager.acquire("a")) {
            VmStatus before = manager.status().get(0);
            assertEquals(lease.vmId(), before.id());
            assertEquals(List.of("a"), before.owners());
            assertEquals("fake", before.accelerator());
            assertTrue(before.bootTime().compareTo(Duration.ZERO) > 0, before.bootTime().toString());
            assertEquals(hypervisor.machine(lease.vmId()).consoleLog().toString(), before.consoleLog());

            for (int i = 0; i < 3; i++) {
                lease.call(ping());
            }

            assertEquals(before.operations() + 3, manager.status().get(0).operations());
        }
    }
}
