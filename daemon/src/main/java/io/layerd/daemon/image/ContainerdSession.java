package io.layerd.daemon.image;

import com.google.protobuf.FieldMask;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.content.v1.ContentGrpc;
import io.layerd.api.containerd.content.v1.Info;
import io.layerd.api.containerd.content.v1.ReadContentRequest;
import io.layerd.api.containerd.content.v1.ReadContentResponse;
import io.layerd.api.containerd.content.v1.UpdateRequest;
import io.layerd.api.containerd.images.v1.GetImageRequest;
import io.layerd.api.containerd.images.v1.ImagesGrpc;
import io.layerd.api.containerd.leases.v1.CreateRequest;
import io.layerd.api.containerd.leases.v1.DeleteRequest;
import io.layerd.api.containerd.leases.v1.LeasesGrpc;
import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.LayerdException;
import io.layerd.daemon.grpc.GrpcErrors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.UUID;

/**
 * What an unpack asks of containerd besides snapshots: the image record, small blobs (index,
 * manifest, config) from its content store, a lease that keeps new snapshots from its garbage
 * collector until the image references them, and the config label that makes that reference.
 * Every call carries the {@code containerd-namespace} header (and the lease once taken).
 */
final class ContainerdSession implements AutoCloseable {
    /** Manifests and configs are small; a larger "manifest" is refused rather than buffered. */
    private static final int MAX_SMALL_BLOB = 16 << 20;
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

    /** Reads a small blob whole and checks its size and digest. */
    byte[] readSmallBlob(Descriptor d) throws IOException {
        if (d.size() > MAX_SMALL_BLOB) {
            throw LayerdException.invalidArgument("%s (%s) is %d bytes, too large for a manifest or config", d.digest(), d.mediaType(), d.size());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, d.size()));
        try {
            Iterator<ReadContentResponse> it = ContentGrpc.newBlockingStub(channel).withInterceptors(headers())
                    .read(ReadContentRequest.newBuilder().setDigest(d.digest()).build());
            while (it.hasNext()) {
                it.next().getData().writeTo(out);
                if (out.size() > MAX_SMALL_BLOB) {
                    throw LayerdException.invalidArgument("%s is larger than its descriptor says", d.digest());
                }
            }
        } catch (StatusRuntimeException e) {
            LayerdException le = GrpcErrors.fromStatus(e);
            throw new LayerdException(le.kind(), "containerd content " + d.digest() + ": " + le.getMessage(), e);
        }
        byte[] bytes = out.toByteArray();
        String actual = sha256(bytes);
        if (bytes.length != d.size() || !actual.equals(d.digest())) {
            throw LayerdException.failedPrecondition("content %s read from containerd is %d bytes with digest %s, expected %d bytes",
                    d.digest(), bytes.length, actual, d.size());
        }
        return bytes;
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

    private static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
