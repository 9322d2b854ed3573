package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.MkdirRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.OverlaySource;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.core.errors.LayerdException;
import io.layerd.lcow.SnapshotDisks;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.ServiceVmLease;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
    private final List<AttachedDisk> disks = new ArrayList<>();
    private final List<String> mounts = new ArrayList<>();
    private String root;
    private String prefix = "";

    private VmSnapshotView(ServiceVmLease lease) {
        this.lease = lease;
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
        } catch (IOException | RuntimeException e) {
            try {
                view.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void mountAll(SnapshotDisks snapshot) throws IOException {
        List<String> lowers = new ArrayList<>();
        for (Path layer : snapshot.layers()) {
            lowers.add(mountExt4(layer, true));
        }
        String scratch = snapshot.scratch().isPresent() ? mountExt4(snapshot.scratch().get(), false) : null;
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
        root = mount(MountRequest.newBuilder().setOverlay(overlay));
    }

    private String mountExt4(Path image, boolean readOnly) throws IOException {
        AttachedDisk disk = lease.attach(image, readOnly);
        disks.add(disk);
        Ext4Source.Builder ext4 = Ext4Source.newBuilder().setDevice(disk.device()).setReadOnly(readOnly);
        if (readOnly) {
            ext4.addOptions("noload"); // a read-only disk cannot replay a journal
        }
        return mount(MountRequest.newBuilder().setExt4(ext4));
    }

    private String mount(MountRequest.Builder request) throws IOException {
        String name = lease.call(Request.newBuilder().setMount(request).build()).getMount().getName();
        mounts.add(name);
        return name;
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
        IOException failure = null;
        Collections.reverse(mounts);
        for (String m : mounts) {
            try {
                lease.call(Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName(m)).build());
            } catch (IOException e) {
                failure = first(failure, e);
            }
        }
        mounts.clear();
        for (AttachedDisk d : disks) {
            try {
                lease.detach(d);
            } catch (IOException e) {
                failure = first(failure, e);
            }
        }
        disks.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException first(IOException failure, IOException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }
}
