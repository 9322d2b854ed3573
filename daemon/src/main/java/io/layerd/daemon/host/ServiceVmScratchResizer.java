package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.FsckRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.ResizeRequest;
import io.layerd.core.errors.LayerdException;
import io.layerd.lcow.scratch.ScratchResizer;
import io.layerd.lcow.vhd.VhdxGrow;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Grows a scratch: the host copies it into a larger VHDX (only blocks holding data), then the
 * service VM checks the ext4 ({@code e2fsck -fy}: resize2fs refuses a file system mounted since
 * its last check) and grows it to the disk ({@code resize2fs}).
 */
public final class ServiceVmScratchResizer implements ScratchResizer {
    /** resize2fs of a big disk writes new group descriptors and inode tables. */
    private static final Duration RESIZE_TIMEOUT = Duration.ofMinutes(10);

    private final ServiceVmManager vms;

    public ServiceVmScratchResizer(ServiceVmManager vms) {
        this.vms = vms;
    }

    @Override
    public void grow(Path sandbox, Path target, long sizeBytes, String owner) throws IOException {
        VhdxGrow.copy(sandbox, target, sizeBytes);
        try (ServiceVmLease lease = vms.acquire(owner, "resize scratch")) {
            AttachedDisk disk = lease.attach(target, false);
            try {
                lease.call(Request.newBuilder().setFsck(FsckRequest.newBuilder().setDevice(disk.device()).setRepair(true)).build(),
                        RESIZE_TIMEOUT, null, null);
                lease.call(Request.newBuilder().setResize(ResizeRequest.newBuilder().setDevice(disk.device())).build(),
                        RESIZE_TIMEOUT, null, null);
            } catch (BridgeException e) {
                throw LayerdException.failedPrecondition("growing the ext4 of %s to %d GB failed: %s", sandbox, sizeBytes >> 30, e.getMessage());
            } finally {
                lease.detach(disk);
            }
        }
    }
}
