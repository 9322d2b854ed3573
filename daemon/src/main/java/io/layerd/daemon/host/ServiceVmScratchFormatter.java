package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.FormatRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.lcow.scratch.ScratchFormatter;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Formats LCOW scratch templates in the service VM, as hcsshim's {@code create-scratch} does in a
 * utility VM: hot-plug the new VHDX read-write, run mke2fs with hcsshim's options on its guest
 * device, unplug it. Unplugging closes the VHDX in the hypervisor, so the file is complete when
 * this returns.
 */
public final class ServiceVmScratchFormatter implements ScratchFormatter {
    /** The lease owner shown by {@code layerd vm status} while a template is being formatted. */
    public static final String OWNER = "scratch-template";

    /**
     * hcsshim's default for a guest command (HCSSHIM_TIMEOUT_EXTERNALCOMMANDSTART): with
     * lazy_itable_init=0 mke2fs writes every inode table of a 20 GB disk now.
     */
    static final Duration MIN_FORMAT_TIMEOUT = Duration.ofMinutes(4);

    private final ServiceVmManager vms;

    public ServiceVmScratchFormatter(ServiceVmManager vms) {
        this.vms = vms;
    }

    @Override
    public void format(Path vhdx) throws IOException {
        try (ServiceVmLease lease = vms.acquire(OWNER, "format scratch")) {
            AttachedDisk disk = lease.attach(vhdx, false);
            try {
                Duration operation = vms.settings().operationTimeout();
                Duration timeout = operation.compareTo(MIN_FORMAT_TIMEOUT) > 0 ? operation : MIN_FORMAT_TIMEOUT;
                lease.call(Request.newBuilder().setFormat(FormatRequest.newBuilder()
                        .setDevice(disk.device())
                        .addAllOptions(HCSSHIM_MKFS_OPTIONS)).build(), timeout, null, null);
            } finally {
                lease.detach(disk);
            }
        }
    }
}
