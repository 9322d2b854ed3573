package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.core.io.ProducerInputStream;
import io.layerd.core.tar.TarWriter;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Exports a container scratch's upper dir through the service VM: hot-plug the {@code
 * sandbox.vhdx} read-only, mount its ext4 read-only, stream {@code export_tar} of the upper dir,
 * unmount and unplug. The tar flows to the reader as the VM writes it (bounded memory).
 */
public final class ServiceVmScratchExporter implements ScratchExporter {
    /** A big scratch streams for a long time; the bridge's per-request deadline must not cut it. */
    private static final Duration EXPORT_TIMEOUT = Duration.ofHours(2);

    private final ServiceVmManager vms;

    public ServiceVmScratchExporter(ServiceVmManager vms) {
        this.vms = vms;
    }

    @Override
    public InputStream openUpperTar(Path sandbox, String upperDir, String owner) {
        return new ProducerInputStream("export of " + upperDir + " from " + sandbox, out -> export(sandbox, upperDir, owner, out));
    }

    private void export(Path sandbox, String upperDir, String owner, OutputStream out) throws IOException {
        try (ServiceVmLease lease = vms.acquire(owner)) {
            AttachedDisk disk = lease.attach(sandbox, true);
            IOException failure = null;
            String mount = null;
            try {
                mount = lease.call(Request.newBuilder().setMount(MountRequest.newBuilder()
                        .setExt4(Ext4Source.newBuilder().setDevice(disk.device()).setReadOnly(true).addOptions("noload"))).build())
                        .getMount().getName();
                if (exists(lease, mount, upperDir)) {
                    lease.call(Request.newBuilder().setExportTar(ExportTarRequest.newBuilder().setMount(mount).setPath(upperDir)).build(),
                            EXPORT_TIMEOUT, null, out);
                } else {
                    new TarWriter(out).finish(); // the container never wrote: no changes
                }
            } catch (IOException e) {
                failure = e;
            }
            // Clean up in the VM either way; a failure here must not hide the one that matters.
            try {
                if (mount != null) {
                    lease.call(Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName(mount)).build());
                }
                lease.detach(disk);
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static boolean exists(ServiceVmLease lease, String mount, String path) throws IOException {
        try {
            lease.call(Request.newBuilder().setStat(StatRequest.newBuilder().setMount(mount).setPath(path)).build());
            return true;
        } catch (BridgeException e) {
            if (e.code().equals("ENOENT")) {
                return false;
            }
            throw e;
        }
    }
}
