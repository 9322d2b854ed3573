package io.layerd.daemon.grpc;

import io.grpc.stub.StreamObserver;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.ApplyResponse;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.diff.v1.DiffRequest;
import io.layerd.api.containerd.diff.v1.DiffResponse;
import io.layerd.api.containerd.types.Descriptor;
import io.layerd.differ.ApplyOptions;
import io.layerd.daemon.host.ContentStores;
import io.layerd.differ.CompareOptions;
import io.layerd.differ.DiffRouter;

/**
 * containerd's Diff service over a {@link DiffRouter}. Each Apply reads its blob from the content
 * store of the caller's namespace (needs {@link CallerNamespace} on the service).
 */
public final class DiffService extends DiffGrpc.DiffImplBase {
    private final DiffRouter router;
    private final ContentStores content;

    public DiffService(DiffRouter router, ContentStores content) {
        this.router = router;
        this.content = content;
    }

    @Override
    public void apply(ApplyRequest r, StreamObserver<ApplyResponse> out) {
        Calls.unary(out, "", () -> {
            var applied = router.apply(descriptor(r.getDiff()),
                    r.getMountsList().stream().map(ProtoMapping::mount).toList(), new ApplyOptions(content.forNamespace(CallerNamespace.current()), r.getSyncFs()));
            return ApplyResponse.newBuilder().setApplied(descriptor(applied)).build();
        });
    }

    @Override
    public void diff(DiffRequest r, StreamObserver<DiffResponse> out) {
        Calls.unary(out, "", () -> {
            java.time.Instant epoch = r.hasSourceDateEpoch()
                    ? java.time.Instant.ofEpochSecond(r.getSourceDateEpoch().getSeconds(), r.getSourceDateEpoch().getNanos()) : null;
            var diff = router.compare(r.getLeftList().stream().map(ProtoMapping::mount).toList(),
                    r.getRightList().stream().map(ProtoMapping::mount).toList(),
                    new CompareOptions(content.forNamespace(CallerNamespace.current()), r.getMediaType(), r.getRef(), r.getLabelsMap(), epoch));
            return DiffResponse.newBuilder().setDiff(descriptor(diff)).build();
        });
    }

    private static io.layerd.core.content.Descriptor descriptor(Descriptor d) {
        return new io.layerd.core.content.Descriptor(d.getMediaType(), d.getDigest(), d.getSize(), d.getAnnotationsMap());
    }

    private static Descriptor descriptor(io.layerd.core.content.Descriptor d) {
        return Descriptor.newBuilder().setMediaType(d.mediaType()).setDigest(d.digest()).setSize(d.size())
                .putAllAnnotations(d.annotations()).build();
    }
}
