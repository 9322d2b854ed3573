package io.layerd.servicevm.hypervisor;

import java.nio.file.Path;

/**
 * A disk hot-plugged into a VM.
 *
 * @param image     the host file
 * @param format    its format
 * @param readOnly  attached read-only
 * @param target    SCSI target id in the guest
 * @param lun       SCSI logical unit in the guest
 * @param handle    the hypervisor's own name for the attachment (QEMU device id, HCS resource path)
 */
public record DiskAttachment(Path image, DiskFormat format, boolean readOnly, int target, int lun, String handle) {
}
