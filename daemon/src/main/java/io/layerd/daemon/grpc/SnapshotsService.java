package io.layerd.daemon.grpc;

import com.google.protobuf.Empty;
import io.grpc.stub.StreamObserver;
import io.layerd.api.containerd.snapshots.v1.CleanupRequest;
import io.layerd.api.containerd.snapshots.v1.CommitSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.ListSnapshotsRequest;
import io.layerd.api.containerd.snapshots.v1.ListSnapshotsResponse;
import io.layerd.api.containerd.snapshots.v1.MountsRequest;
import io.layerd.api.containerd.snapshots.v1.MountsResponse;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotResponse;
import io.layerd.api.containerd.snapshots.v1.RemoveSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.SnapshotsGrpc;
import io.layerd.api.containerd.snapshots.v1.StatSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.StatSnapshotResponse;
import io.layerd.api.containerd.snapshots.v1.UpdateSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.UpdateSnapshotResponse;
import io.layerd.api.containerd.snapshots.v1.UsageRequest;
import io.layerd.api.containerd.snapshots.v1.UsageResponse;
import io.layerd.api.containerd.snapshots.v1.ViewSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.ViewSnapshotResponse;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.filter.Filters;
import io.layerd.core.snapshot.Cleaner;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.core.snapshot.Usage;
import io.layerd.daemon.host.PluginHost;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.List;

/** containerd's Snapshots service over the snapshotter instances of a {@link PluginHost}. */
public final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
    /** Keep List responses well under containerd's 16 MiB message limit. */
    private static final int LIST_BATCH_BYTES = 1 << 20;

    private final PluginHost host;

    public SnapshotsService(PluginHost host) {
        this.host = host;
    }

    @Override
    public void prepare(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> out) {
        Calls.unary(out, r.getKey(), () -> PrepareSnapshotResponse.newBuilder().addAllMounts(ProtoMapping.mounts(
                snapshotter(r.getSnapshotter()).prepare(r.getKey(), r.getParent(), r.getLabelsMap()))).build());
    }

    @Override
    public void view(ViewSnapshotRequest r, StreamObserver<ViewSnapshotResponse> out) {
        Calls.unary(out, r.getKey(), () -> ViewSnapshotResponse.newBuilder().addAllMounts(ProtoMapping.mounts(
                snapshotter(r.getSnapshotter()).view(r.getKey(), r.getParent(), r.getLabelsMap()))).build());
    }

    @Override
    public void mounts(MountsRequest r, StreamObserver<MountsResponse> out) {
        Calls.unary(out, r.getKey(), () -> MountsResponse.newBuilder().addAllMounts(ProtoMapping.mounts(
                snapshotter(r.getSnapshotter()).mounts(r.getKey()))).build());
    }

    @Override
    public void commit(CommitSnapshotRequest r, StreamObserver<Empty> out) {
        Calls.unary(out, r.getKey(), () -> {
            snapshotter(r.getSnapshotter()).commit(r.getName(), r.getKey(), r.getLabelsMap(), r.getParent());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void remove(RemoveSnapshotRequest r, StreamObserver<Empty> out) {
        Calls.unary(out, r.getKey(), () -> {
            snapshotter(r.getSnapshotter()).remove(r.getKey());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void stat(StatSnapshotRequest r, StreamObserver<StatSnapshotResponse> out) {
        Calls.unary(out, r.getKey(), () -> StatSnapshotResponse.newBuilder()
                .setInfo(ProtoMapping.info(snapshotter(r.getSnapshotter()).stat(r.getKey()))).build());
    }

    @Override
    public void update(UpdateSnapshotRequest r, StreamObserver<UpdateSnapshotResponse> out) {
        Calls.unary(out, r.getInfo().getName(), () -> {
            Info requested = Info.ofLabels(r.getInfo().getName(), r.getInfo().getLabelsMap());
            Info updated = snapshotter(r.getSnapshotter()).update(requested, r.getUpdateMask().getPathsList());
            return UpdateSnapshotResponse.newBuilder().setInfo(ProtoMapping.info(updated)).build();
        });
    }

    @Override
    public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
        try {
            Snapshotter s = snapshotter(r.getSnapshotter());
            var filter = Filters.parseAll(r.getFiltersList());
            List<io.layerd.api.containerd.snapshots.v1.Info> batch = new ArrayList<>();
            int[] bytes = {0};
            s.walk(filter, info -> {
                var p = ProtoMapping.info(info);
                if (!batch.isEmpty() && bytes[0] + p.getSerializedSize() > LIST_BATCH_BYTES) {
                    out.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
                    batch.clear();
                    bytes[0] = 0;
                }
                batch.add(p);
                bytes[0] += p.getSerializedSize();
            });
            if (!batch.isEmpty()) {
                out.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
            }
        } catch (Throwable t) {
            out.onError(GrpcErrors.toStatus(t));
            return;
        } finally {
            MDC.remove("snapshotter");
        }
        out.onCompleted();
    }

    @Override
    public void usage(UsageRequest r, StreamObserver<UsageResponse> out) {
        Calls.unary(out, r.getKey(), () -> {
            Usage u = snapshotter(r.getSnapshotter()).usage(r.getKey());
            return UsageResponse.newBuilder().setSize(u.size()).setInodes(u.inodes()).build();
        });
    }

    @Override
    public void cleanup(CleanupRequest r, StreamObserver<Empty> out) {
        Calls.unary(out, "", () -> {
            Snapshotter s = snapshotter(r.getSnapshotter());
            if (!(s instanceof Cleaner c)) {
                throw LayerdException.notImplemented("snapshotter \"%s\" has no cleanup", r.getSnapshotter());
            }
            c.cleanup();
            return Empty.getDefaultInstance();
        });
    }

    private Snapshotter snapshotter(String name) {
        MDC.put("snapshotter", name);
        return host.snapshotter(name);
    }
}
