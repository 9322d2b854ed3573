package io.layerd.daemon.image;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Mount;
import io.layerd.daemon.grpc.GrpcErrors;
import io.layerd.daemon.grpc.ProtoMapping;

import java.util.List;

/** layerd's Diff service as a {@link LayerChain.LayerApplier}, in one containerd namespace. */
final class LayerdDiff implements LayerChain.LayerApplier {
    private final DiffGrpc.DiffBlockingStub stub;

    LayerdDiff(Channel layerd, String namespace) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
        this.stub = DiffGrpc.newBlockingStub(layerd).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }

    @Override
    public Descriptor apply(Descriptor layer, List<Mount> mounts) {
        try {
            var r = stub.apply(ApplyRequest.newBuilder()
                    .setDiff(io.layerd.api.containerd.types.Descriptor.newBuilder().setMediaType(layer.mediaType())
                            .setDigest(layer.digest()).setSize(layer.size()).putAllAnnotations(layer.annotations()))
                    .addAllMounts(ProtoMapping.mounts(mounts)).build()).getApplied();
            return new Descriptor(r.getMediaType(), r.getDigest(), r.getSize(), r.getAnnotationsMap());
        } catch (StatusRuntimeException e) {
            LayerdException le = GrpcErrors.fromStatus(e);
            throw new LayerdException(le.kind(), "applying layer " + layer.digest() + ": " + le.getMessage(), e);
        }
    }
}
