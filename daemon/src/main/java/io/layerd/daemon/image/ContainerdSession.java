package io.layerd.daemon.image;

import com.google.protobuf.FieldMask;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.content.v1.ContentGrpc;
import io.layerd.api.containerd.content.v1.Info;
import io.layerd.api.containerd.content.v1.UpdateRequest;
import io.layerd.api.containerd.images.v1.GetImageRequest;
import io.layerd.api.containerd.images.v1.ImagesGrpc;
import io.layerd.api.containerd.leases.v1.CreateRequest;
import io.layerd.api.containerd.leases.v1.DeleteRequest;
import io.layerd.api.containerd.leases.v1.LeasesGrpc;
import io.layerd.core.content.ContainerdContentStore;
import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.LayerdException;
import io.layerd.daemon.grpc.GrpcErrors;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What an unpack asks of containerd besides snapshots: the image record, small blobs (index,
 * manifest, config) from its content store, a lease that keeps new snapshots from its garbage
 * collector until the image references them, and the config label that makes that reference.
 * Every call carries the {@code containerd-namespace} header (and the lease once taken).
 */
final class ContainerdSession implements AutoCloseable {
    private static final Duration LEASE_EXPIRY = Duration.ofHours(1);

    private final Channel channel;
    private final String namespace;
    private String lease;

    ContainerdSession(Channel channel, String namespace) {
        this.channel = channel;
        this.namespace = namespace;
    }

    String namespace() {
        return namespace;
    }

    /** The lease id once {@link #takeLease} ran, else null. */
    String lease() {
        return lease;
    }

    private ClientInterceptor headers() {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
        if (lease != null) {
            h.put(Metadata.Key.of("containerd-lease", Metadata.ASCII_STRING_MARSHALLER), lease);
        }
        return MetadataUtils.newAttachHeadersInterceptor(h);
    }

    Descriptor imageTarget(String name) {
        try {
            var image = ImagesGrpc.newBlockingStub(channel).withInterceptors(headers())
                    .get(GetImageRequest.newBuilder().setName(name).build()).getImage();
            var t = image.getTarget();
            return new Descriptor(t.getMediaType(), t.getDigest(), t.getSize(), t.getAnnotationsMap());
        } catch (StatusRuntimeException e) {
            LayerdException le = GrpcErrors.fromStatus(e);
            throw new LayerdException(le.kind(), "containerd (namespace " + namespace + "): image " + name + ": " + le.getMessage(), e);
        }
    }

    /** Small blobs from containerd's content store, in this session's namespace. */
    BlobSource blobs() {
        return new StoreBlobSource(new ContainerdContentStore(channel, namespace));
    }

    /** A lease that expires on its own in an hour should this process die before deleting it. */
    void takeLease() {
        String id = "layerd-unpack-" + UUID.randomUUID();
        LeasesGrpc.newBlockingStub(channel).withInterceptors(headers()).create(CreateRequest.newBuilder().setId(id)
                .putLabels("containerd.io/gc.expire", Instant.now().plus(LEASE_EXPIRY).toString()).build());
        lease = id;
    }

    /**
     * Labels the image config with {@code containerd.io/gc.ref.snapshot.<snapshotter>} = the top
     * chain id, as containerd's own unpacker does: the image then keeps the snapshot chain alive.
     */
    void referenceSnapshots(Descriptor config, String snapshotter, String topChainId) {
        String label = "containerd.io/gc.ref.snapshot." + snapshotter;
        ContentGrpc.newBlockingStub(channel).withInterceptors(headers()).update(UpdateRequest.newBuilder()
                .setInfo(Info.newBuilder().setDigest(config.digest()).putLabels(label, topChainId))
                .setUpdateMask(FieldMask.newBuilder().addPaths("labels." + label)).build());
    }

    @Override
    public void close() {
        if (lease != null) {
            String id = lease;
            lease = null;
            LeasesGrpc.newBlockingStub(channel).withInterceptors(headers()).delete(DeleteRequest.newBuilder().setId(id).build());
        }
    }
}
