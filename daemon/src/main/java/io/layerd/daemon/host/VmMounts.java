package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.ServiceVmLease;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The disks one operation hot-plugs into a service VM and the mounts it makes there, undone by
 * {@link #close} in reverse order: every mount unmounted, then every disk unplugged, each tried
 * even when an earlier one failed (the first failure is thrown, the others suppressed).
 */
final class VmMounts implements AutoCloseable {
    private final ServiceVmLease lease;
    private final List<AttachedDisk> disks = new ArrayList<>();
    private final List<String> mounts = new ArrayList<>();

    VmMounts(ServiceVmLease lease) {
        this.lease = lease;
    }

    /** Hot-plugs {@code image} and mounts its ext4; read-only with {@code noload} (a read-only disk cannot replay a journal). */
    String mountExt4(Path image, boolean readOnly) throws IOException {
        AttachedDisk disk = lease.attach(image, readOnly);
        disks.add(disk);
        Ext4Source.Builder ext4 = Ext4Source.newBuilder().setDevice(disk.device()).setReadOnly(readOnly);
        if (readOnly) {
            ext4.addOptions("noload");
        }
        return mount(MountRequest.newBuilder().setExt4(ext4));
    }

    /** Any mount (an overlay of earlier ones); its name. */
    String mount(MountRequest.Builder request) throws IOException {
        String name = lease.call(Request.newBuilder().setMount(request).build()).getMount().getName();
        mounts.add(name);
        return name;
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

    /** Undoes what was done so far after {@code e}, which stays the error reported; returns it to be thrown. */
    static <E extends Exception> E undoAfter(AutoCloseable opened, E e) {
        try {
            opened.close();
        } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
        }
        return e;
    }

    private static IOException first(IOException failure, IOException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }
}
