package io.layerd.servicevm.manager;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One operation served by the service VMs: a lease from acquire to release.
 *
 * @param operation what it was for, e.g. "compare", "commit", "format scratch", "cp-in"
 * @param owner     whose VM served it (per-instance: the VM's owner)
 * @param vmIds     the VMs that served its requests (more than one when a VM died and the next request booted another)
 * @param started   when the lease was taken
 * @param duration  until it was released, a boot included
 * @param requests  bridge requests sent (disk hot-plugs included)
 * @param vmWait    of the duration, the wait for a VM at acquire: its boot when none was running
 */
public record OperationRecord(String operation, String owner, List<String> vmIds, Instant started, Duration duration, long requests,
                              Duration vmWait) {
    public OperationRecord {
        vmIds = List.copyOf(vmIds);
    }
}
