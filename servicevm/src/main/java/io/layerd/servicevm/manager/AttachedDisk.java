package io.layerd.servicevm.manager;

import io.layerd.servicevm.hypervisor.DiskAttachment;

/**
 * A disk attached through a lease, as the guest sees it.
 *
 * @param attachment the hypervisor's record
 * @param device     the block device inside the VM, e.g. {@code /dev/sdb}
 * @param vmId       the VM it is attached to (a restarted VM does not have it)
 */
public record AttachedDisk(DiskAttachment attachment, String device, String vmId) {
}
