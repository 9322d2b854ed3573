package io.layerd.servicevm.manager;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One running VM as {@code layerd vm status} shows it.
 *
 * @param id            VM id
 * @param owners        owners holding leases (the global VM lists all)
 * @param accelerator   kvm, tcg, hyper-v
 * @param started       when it was started
 * @param bootTime      start to agent handshake
 * @param disks         attached images with their guest devices
 * @param operations    requests served
 * @param consoleLog    where its console goes
 */
public record VmStatus(String id, List<String> owners, String accelerator, Instant started, Duration bootTime,
                       List<String> disks, long operations, String consoleLog) {
    public Duration uptime() {
        return Duration.between(started, Instant.now());
    }
}
