package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.MkdirRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.OverlaySource;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.core.errors.LayerdException;
import io.layerd.lcow.SnapshotDisks;
import io.layerd.servicevm.manager.ServiceVmLease;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot's tree mounted in a service VM, as the container's kernel sees it: each {@code
 * layer.vhd} hot-plugged read-only and mounted as ext4, stacked as overlay lowers, with an active
 * container's scratch as the writable upper (its upper/work directories per the scratch layout).
 * A container without layers is its scratch's upper directory alone. Closing unmounts and
 * unplugs everything, in reverse.
 */
public final class VmSnapshotView implements AutoCloseable {
    private final ServiceVmLease lease;
    private final VmMounts mounts;
    private String root;
    private String prefix = "";

    private VmSnapshotView(ServiceVmLease lease) {
        this.lease = lease;
        this.mounts = new VmMounts(lease);
    }

    public static VmSnapshotView open(ServiceVmLease lease, SnapshotDisks snapshot) throws IOException {
        if (snapshot.layers().isEmpty() && snapshot.scratch().isEmpty()) {
            throw LayerdException.failedPrecondition("snapshot \"%s\" has no layers: its tree is empty and has no disk to show",
                    snapshot.key());
        }
        VmSnapshotView view = new VmSnapshotView(lease);
        try {
            view.mountAll(snapshot);
            return view;
        } catch (IOException e) {
            throw VmMounts.undoAfter(view, e);
        } catch (RuntimeException e) {
            throw VmMounts.undoAfter(view, e);
        }
    }

    private void mountAll(SnapshotDisks snapshot) throws IOException {
        List<String> lowers = new ArrayList<>();
        for (Path layer : snapshot.layers()) {
            lowers.add(mounts.mountExt4(layer, true));
        }
        String scratch = snapshot.scratch().isPresent() ? mounts.mountExt4(snapshot.scratch().get(), false) : null;
        if (lowers.isEmpty()) {
            lease.call(Request.newBuilder().setMkdir(MkdirRequest.newBuilder().setMount(scratch)
                    .setPath(snapshot.layout().upperDir()).setParents(true)).build());
            root = scratch;
            prefix = snapshot.layout().upperDir() + "/";
            return;
        }
        OverlaySource.Builder overlay = OverlaySource.newBuilder().addAllLower(lowers);
        if (scratch != null) {
            overlay.setUpper(scratch).setUpperDir(snapshot.layout().upperDir()).setWorkDir(snapshot.layout().workDir());
        }
        root = mounts.mount(MountRequest.newBuilder().setOverlay(overlay));
    }

    /** The mount holding the tree. */
    public String mount() {
        return root;
    }

    /** {@code relative} (to the snapshot's root) as a path in {@link #mount()}. */
    public String path(String relative) {
        return prefix + relative;
    }

    @Override
    public void close() throws IOException {
        mounts.close();
    }
}
