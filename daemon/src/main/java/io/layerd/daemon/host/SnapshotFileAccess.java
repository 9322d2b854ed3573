package io.layerd.daemon.host;

import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.ExtractTarRequest;
import io.layerd.api.servicevm.v1.FileInfo;
import io.layerd.api.servicevm.v1.ListRequest;
import io.layerd.api.servicevm.v1.ListResponse;
import io.layerd.api.servicevm.v1.ReadFileRequest;
import io.layerd.api.servicevm.v1.RemoveRequest;
import io.layerd.api.servicevm.v1.RenameRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.lcow.LcowSnapshotter;
import io.layerd.lcow.SnapshotDisks;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Files inside an LCOW snapshot, read and changed through the service VM's view of its tree
 * ({@link VmSnapshotView}). One operation per snapshot at a time: two views would mount the same
 * scratch read-write at once. Committed layers and views refuse writes.
 */
public final class SnapshotFileAccess {
    /** Copies of big trees stream for a long time; the bridge's default deadline must not cut them. */
    private static final Duration TRANSFER_TIMEOUT = Duration.ofHours(2);

    private final Function<String, Snapshotter> snapshotters;
    private final ServiceVmManager vms;
    /** Striped, not one lock per key: a daemon sees endless keys and must not keep a lock for each. */
    private final ReentrantLock[] locks = new ReentrantLock[64];

    public SnapshotFileAccess(Function<String, Snapshotter> snapshotters, ServiceVmManager vms) {
        this.snapshotters = snapshotters;
        this.vms = vms;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** What a view lets an operation do. */
    @FunctionalInterface
    private interface InView<T> {
        T run(ServiceVmLease lease, VmSnapshotView view) throws IOException;
    }

    public FileInfo stat(String snapshotter, String key, String path) {
        return inView(snapshotter, key, false, "stat " + path, (lease, view) -> lease.call(Request.newBuilder()
                .setStat(StatRequest.newBuilder().setMount(view.mount()).setPath(view.path(path))).build()).getStat());
    }

    public ListResponse list(String snapshotter, String key, String path) {
        return inView(snapshotter, key, false, "list " + path, (lease, view) -> lease.call(Request.newBuilder()
                .setList(ListRequest.newBuilder().setMount(view.mount()).setPath(view.path(path))).build()).getList());
    }

    public long read(String snapshotter, String key, String path, OutputStream out) {
        return inView(snapshotter, key, false, "read " + path, (lease, view) -> lease.call(Request.newBuilder()
                .setReadFile(ReadFileRequest.newBuilder().setMount(view.mount()).setPath(view.path(path))).build(),
                TRANSFER_TIMEOUT, null, out).getTransfer().getBytes());
    }

    public long exportTar(String snapshotter, String key, String path, OutputStream out) {
        return inView(snapshotter, key, false, "export " + path, (lease, view) -> lease.call(Request.newBuilder()
                .setExportTar(ExportTarRequest.newBuilder().setMount(view.mount()).setPath(view.path(path))).build(),
                TRANSFER_TIMEOUT, null, out).getTransfer().getBytes());
    }

    public long extractTar(String snapshotter, String key, String directory, InputStream tar) {
        return inView(snapshotter, key, true, "extract into " + directory, (lease, view) -> lease.call(Request.newBuilder()
                .setExtractTar(ExtractTarRequest.newBuilder().setMount(view.mount()).setPath(view.path(directory))).build(),
                TRANSFER_TIMEOUT, tar, null).getTransfer().getBytes());
    }

    public void remove(String snapshotter, String key, String path, boolean recursive) {
        inView(snapshotter, key, true, "remove " + path, (lease, view) -> lease.call(Request.newBuilder()
                .setRemove(RemoveRequest.newBuilder().setMount(view.mount()).setPath(view.path(path)).setRecursive(recursive)).build()));
    }

    public void rename(String snapshotter, String key, String from, String to) {
        inView(snapshotter, key, true, "rename " + from + " to " + to, (lease, view) -> lease.call(Request.newBuilder()
                .setRename(RenameRequest.newBuilder().setMount(view.mount()).setFrom(view.path(from)).setTo(view.path(to))).build()));
    }

    private <T> T inView(String snapshotter, String key, boolean writes, String what, InView<T> work) {
        if (!(snapshotters.apply(snapshotter) instanceof LcowSnapshotter lcow)) {
            throw LayerdException.notImplemented("snapshotter \"%s\" keeps its files on the host; file access through the"
                    + " service VM is for LCOW snapshotters", snapshotter);
        }
        ReentrantLock lock = locks[Math.floorMod((snapshotter + "\0" + key).hashCode(), locks.length)];
        lock.lock();
        try {
            SnapshotDisks disks = lcow.disks(key);
            if (writes && !disks.writable()) {
                throw LayerdException.failedPrecondition("snapshot \"%s\" is read-only (a committed layer or a view): cannot %s;"
                        + " prepare an active snapshot on it and change that", key, what);
            }
            try (ServiceVmLease lease = vms.acquire(key, "files: " + what.split(" ")[0]);
                 VmSnapshotView view = VmSnapshotView.open(lease, disks)) {
                return work.run(lease, view);
            } catch (BridgeException e) {
                throw BridgeErrors.toLayerd(e, "snapshot \"" + key + "\": " + what);
            } catch (IOException e) {
                throw LayerdException.unavailable("snapshot \"%s\": %s: the service VM failed: %s", key, what, e.getMessage());
            }
        } finally {
            lock.unlock();
        }
    }
}
