package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.BlockDevice;
import io.layerd.api.servicevm.v1.ListBlockDevicesResponse;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.api.servicevm.v1.WaitForDeviceRequest;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** list_block_devices and wait_for_device. */
final class BlockDeviceOperations {
    /** How often sysfs is looked at while waiting for a hot-plugged disk. */
    static final long POLL_MILLIS = 50;

    private final BlockDevices devices;

    BlockDeviceOperations(BlockDevices devices) {
        this.devices = devices;
    }

    Response list(Request request, RequestContext context) throws IOException {
        return Response.newBuilder()
                .setListBlockDevices(ListBlockDevicesResponse.newBuilder().addAllDevices(devices.list())).build();
    }

    /**
     * Polls sysfs until the SCSI disk appears. Gives up one poll before the deadline; whichever
     * of this check and the session's deadline answers first, the ETIMEDOUT names the disk.
     */
    Response waitForDevice(Request request, RequestContext context) throws IOException, AgentException, InterruptedException {
        WaitForDeviceRequest wait = request.getWaitForDevice();
        long started = System.nanoTime();
        String disk = "no SCSI disk at target " + wait.getScsiTarget() + " lun " + wait.getScsiLun() + " appeared";
        String hint = "; is it attached to the VM's SCSI controller?";
        context.describeWait(disk + hint);
        while (true) {
            Optional<BlockDevice> found = devices.findScsi(wait.getScsiTarget(), wait.getScsiLun());
            if (found.isPresent()) {
                return Response.newBuilder().setDevice(found.get()).build();
            }
            if (context.deadlineNanos() - System.nanoTime() <= TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS)) {
                throw new AgentException(Errno.ETIMEDOUT, disk + " within "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms" + hint);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
