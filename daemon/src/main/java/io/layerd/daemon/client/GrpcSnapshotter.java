package io.layerd.daemon.client;

import com.google.protobuf.FieldMask;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.snapshots.v1.CleanupRequest;
import io.layerd.api.containerd.snapshots.v1.CommitSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.ListSnapshotsRequest;
import io.layerd.api.containerd.snapshots.v1.MountsRequest;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.RemoveSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.SnapshotsGrpc;
import io.layerd.api.containerd.snapshots.v1.StatSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.UpdateSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.UsageRequest;
import io.layerd.api.containerd.snapshots.v1.ViewSnapshotRequest;
import io.layerd.core.filter.Filter;
import io.layerd.core.snapshot.Cleaner;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.core.snapshot.Usage;
import io.layerd.daemon.grpc.GrpcErrors;
import io.layerd.daemon.grpc.ProtoMapping;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link Snapshotter} that is a Snapshots-service client, speaking to one named instance as
 * containerd's proxy does. Status codes come back as the matching {@code LayerdException}s.
 *
 * <p>{@link #walk} sends no filter text: use {@link #list(List)} to have the server filter, as
 * containerd's garbage collector and the List rpc do.
 */
public final class GrpcSnapshotter implements Snapshotter, Cleaner {
    private final SnapshotsGrpc.SnapshotsBlockingStub stub;
    private final String name;

    public GrpcSnapshotter(Channel channel, String snapshotterName, String namespace) {
        this(channel, snapshotterName, namespace, null);
    }

    /** As above, every call also carrying {@code containerd-lease} when {@code lease} is not null. */
    public GrpcSnapshotter(Channel channel, String snapshotterName, String namespace, String lease) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
        if (lease != null) {
            headers.put(Metadata.Key.of("containerd-lease", Metadata.ASCII_STRING_MARSHALLER), lease);
        }
        this.stub = SnapshotsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        this.name = snapshotterName;
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return call(() -> stub.prepare(PrepareSnapshotRequest.newBuilder().setSnapshotter(name).setKey(key)
                .setParent(parent).putAllLabels(labels).build()).getMountsList().stream().map(ProtoMapping::mount).toList());
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        return call(() -> stub.view(ViewSnapshotRequest.newBuilder().setSnapshotter(name).setKey(key)
                .setParent(parent).putAllLabels(labels).build()).getMountsList().stream().map(ProtoMapping::mount).toList());
    }

    @Override
    public List<Mount> mounts(String key) {
        return call(() -> stub.mounts(MountsRequest.newBuilder().setSnapshotter(name).setKey(key).build())
                .getMountsList().stream().map(ProtoMapping::mount).toList());
    }

    @Override
    public void commit(String commitName, String key, Map<String, String> labels, String rebaseParent) {
        call(() -> stub.commit(CommitSnapshotRequest.newBuilder().setSnapshotter(name).setName(commitName).setKey(key)
                .putAllLabels(labels).setParent(rebaseParent == null ? "" : rebaseParent).build()));
    }

    @Override
    public void remove(String key) {
        call(() -> stub.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(name).setKey(key).build()));
    }

    @Override
    public Info stat(String key) {
        return call(() -> ProtoMapping.info(stub.stat(StatSnapshotRequest.newBuilder().setSnapshotter(name).setKey(key).build()).getInfo()));
    }

    @Override
    public Info update(Info info, List<String> fieldPaths) {
        var p = io.layerd.api.containerd.snapshots.v1.Info.newBuilder().setName(info.name()).putAllLabels(info.labels());
        if (info.parent() != null) {
            p.setParent(info.parent());
        }
        return call(() -> ProtoMapping.info(stub.update(UpdateSnapshotRequest.newBuilder().setSnapshotter(name)
                .setInfo(p).setUpdateMask(FieldMask.newBuilder().addAllPaths(fieldPaths)).build()).getInfo()));
    }

    /** List with server-side filters (OR-ed), as the List rpc defines them. */
    public List<Info> list(List<String> filters) {
        return call(() -> {
            var it = stub.list(ListSnapshotsRequest.newBuilder().setSnapshotter(name).addAllFilters(filters).build());
            List<Info> out = new java.util.ArrayList<>();
            it.forEachRemaining(r -> r.getInfoList().forEach(i -> out.add(ProtoMapping.info(i))));
            return out;
        });
    }

    @Override
    public void walk(Filter filter, Consumer<Info> visitor) {
        for (Info i : list(List.of())) {
            if (filter.matches(io.layerd.core.snapshot.SnapshotFields.of(i))) {
                visitor.accept(i);
            }
        }
    }

    @Override
    public Usage usage(String key) {
        return call(() -> {
            var u = stub.usage(UsageRequest.newBuilder().setSnapshotter(name).setKey(key).build());
            return new Usage(u.getSize(), u.getInodes());
        });
    }

    @Override
    public void cleanup() {
        call(() -> stub.cleanup(CleanupRequest.newBuilder().setSnapshotter(name).build()));
    }

    @Override
    public void close() {
        // the channel belongs to the caller
    }

    private static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw GrpcErrors.fromStatus(e);
        }
    }
}
