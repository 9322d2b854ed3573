package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.OverlaySource;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.core.io.ProducerInputStream;
import io.layerd.core.tar.TarWriter;
import io.layerd.lcow.scratch.ScratchExport;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Exports a container scratch's upper dir through the service VM: hot-plug the {@code
 * sandbox.vhdx} read-only, mount its ext4 read-only and stream {@code export_tar} of the upper dir;
 * the parent layers are mounted read-only beside it, as one overlay, for the exporter's
 * questions about them. The tar flows to the reader as the VM writes it (bounded memory).
 */
public final class ServiceVmScratchExporter implements ScratchExporter {
    /** A big scratch streams for a long time; the bridge's per-request deadline must not cut it. */
    private static final Duration EXPORT_TIMEOUT = Duration.ofHours(2);

    private final ServiceVmManager vms;

    public ServiceVmScratchExporter(ServiceVmManager vms) {
        this.vms = vms;
    }

    @Override
    public ScratchExport open(Path sandbox, String upperDir, List<Path> parentLayers, String owner) throws IOException {
        Session session = new Session(vms.acquire(owner, "export scratch"), sandbox, upperDir);
        try {
            session.mount(parentLayers);
            return session;
        } catch (IOException e) {
            throw VmMounts.undoAfter(session, e);
        } catch (RuntimeException e) {
            throw VmMounts.undoAfter(session, e);
        }
    }

    /** One export: the lease, and the disks and mounts it holds in the VM, released by close. */
    private static final class Session implements ScratchExport {
        private final ServiceVmLease lease;
        private final Path sandbox;
        private final String upperDir;
        private final VmMounts mounts;
        private String scratch;
        private String parents;
        private ProducerInputStream tar;

        Session(ServiceVmLease lease, Path sandbox, String upperDir) {
            this.lease = lease;
            this.sandbox = sandbox;
            this.upperDir = upperDir;
            this.mounts = new VmMounts(lease);
        }

        void mount(List<Path> parentLayers) throws IOException {
            scratch = mounts.mountExt4(sandbox, true);
            if (!parentLayers.isEmpty()) {
                List<String> lowers = new ArrayList<>();
                for (Path layer : parentLayers) {
                    lowers.add(mounts.mountExt4(layer, true));
                }
                parents = mounts.mount(MountRequest.newBuilder().setOverlay(OverlaySource.newBuilder().addAllLower(lowers)));
            }
        }

        @Override
        public synchronized InputStream upperTar() {
            if (tar == null) {
                tar = new ProducerInputStream("export of " + upperDir + " from " + sandbox, out -> {
                    if (exists(scratch, upperDir)) {
                        lease.call(Request.newBuilder().setExportTar(ExportTarRequest.newBuilder().setMount(scratch).setPath(upperDir)).build(),
                                EXPORT_TIMEOUT, null, out);
                    } else {
                        new TarWriter(out).finish(); // the container never wrote: no changes
                    }
                });
            }
            return tar;
        }

        @Override
        public boolean parentsHaveDirectory(String path) throws IOException {
            if (parents == null) {
                return false;
            }
            try {
                return lease.call(Request.newBuilder().setStat(StatRequest.newBuilder().setMount(parents).setPath(path)).build())
                        .getStat().getType().equals("dir");
            } catch (BridgeException e) {
                if (e.code().equals("ENOENT") || e.code().equals("ENOTDIR")) {
                    return false;
                }
                throw e;
            }
        }

        private boolean exists(String mount, String path) throws IOException {
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

        /** Ends the export, then unmounts and unplugs everything; a cleanup failure never hides the export's. */
        @Override
        public void close() throws IOException {
            IOException failure = null;
            try {
                synchronized (this) {
                    if (tar != null) {
                        tar.close();
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
            try {
                mounts.close();
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            } finally {
                lease.close();
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
