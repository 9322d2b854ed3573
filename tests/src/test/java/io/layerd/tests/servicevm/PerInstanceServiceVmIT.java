package io.layerd.tests.servicevm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.api.servicevm.v1.PingRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.servicevm.manager.Lifetime;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Per-instance lifetime: one VM per owner, and releasing an owner stops exactly its VM. */
class PerInstanceServiceVmIT {
    @Test
    void threeOwnersGetThreeVmsAndReleasingOneStopsOnlyItsVm() throws Exception {
        Path dir = Files.createTempDirectory("ldvm-p");
        Path run = dir.resolve("run");
        Map<String, ServiceVmLease> leases = new TreeMap<>();
        try (ServiceVmManager manager = VmFixture.manager(Lifetime.PER_INSTANCE, run)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            ServiceVmLease secondOfA = null;
            try {
                // A second caller for "a" arrives while a's VM boots: it waits for that boot.
                List<Future<ServiceVmLease>> booting = new ArrayList<>();
                for (String owner : List.of("a", "b", "c", "a")) {
                    booting.add(pool.submit(() -> manager.acquire(owner)));
                }
                for (Future<ServiceVmLease> f : booting) {
                    ServiceVmLease l = f.get();
                    if (leases.containsKey(l.owner())) {
                        secondOfA = l;
                    } else {
                        leases.put(l.owner(), l);
                    }
                }
                assertEquals(leases.get("a").vmId(), secondOfA.vmId(), "both callers for a share one VM");
            } finally {
                pool.shutdownNow();
                if (secondOfA != null) {
                    secondOfA.close(); // a still holds its first lease: its VM keeps running
                }
            }
            assertEquals(3, manager.bootCount(), "three owners, three boots");
            Map<String, String> vmOf = new TreeMap<>();
            for (ServiceVmLease l : leases.values()) {
                vmOf.put(l.owner(), l.vmId());
            }
            assertEquals(3, new HashSet<>(vmOf.values()).size(), "three distinct VMs: " + vmOf);
            assertEquals(3, manager.status().size());

            List<ProcessHandle> ofB = VmFixture.processesUsing(run.resolve(vmOf.get("b")));
            assertEquals(1, ofB.size());
            leases.remove("b").close();
            VmFixture.awaitExit(ofB, Duration.ofSeconds(30));
            assertFalse(Files.exists(run.resolve(vmOf.get("b")).resolve("qmp.sock")), "b's sockets are removed");
            for (String owner : List.of("a", "c")) {
                assertEquals(1, VmFixture.processesUsing(run.resolve(vmOf.get(owner))).size(), owner + "'s VM still runs");
                assertTrue(leases.get(owner).call(Request.newBuilder().setPing(PingRequest.getDefaultInstance()).build()).hasPing());
            }
            assertEquals(List.of("a", "c"), manager.status().stream().flatMap(s -> s.owners().stream()).sorted().toList());
        } finally {
            leases.values().forEach(ServiceVmLease::close);
            assertTrue(VmFixture.processesUsing(dir).isEmpty(), "closing the manager stops every VM");
            VmFixture.run("rm", "-rf", dir.toString());
        }
    }
}
