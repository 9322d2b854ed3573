package io.layerd.daemon.image;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.grpc.GrpcErrors;
import io.layerd.daemon.grpc.ProtoMapping;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Unpacks an image containerd already has into a snapshotter served by layerd, the way
 * containerd's own unpacker would if it could use layerd's differ (containerd 1.6 cannot proxy a
 * differ): snapshots are prepared and committed through <b>containerd's</b> Snapshots API — so
 * containerd records the chain, committed under chain ids with {@code containerd.io/snapshot.ref}
 * — and each layer is applied by layerd's Diff service, which reads the blob from containerd's
 * content store. Layers whose chain id is already committed are skipped.
 */
public final class ContainerdUnpacker {
    /** What one unpack did. */
    public record Result(String image, List<String> chainIds, int applied, int skipped, long millis) {
    }

    private final Channel containerd;
    private final Channel layerd;
    private final String namespace;
    private final String snapshotter;
    private final PrintWriter progress;

    public ContainerdUnpacker(Channel containerd, Channel layerd, String namespace, String snapshotter, PrintWriter progress) {
        this.containerd = containerd;
        this.layerd = layerd;
        this.namespace = namespace;
        this.snapshotter = snapshotter;
        this.progress = progress;
    }

    public Result unpack(String imageName, String platform) throws IOException {
        long t0 = System.nanoTime();
        try (ContainerdSession session = new ContainerdSession(containerd, namespace)) {
            Descriptor target = session.imageTarget(imageName);
            ImageManifest image = new ManifestResolver(session::readSmallBlob).resolve(target, platform);
            List<String> chain = image.chainIds();
            session.takeLease();
            GrpcSnapshotter snapshots = new GrpcSnapshotter(containerd, snapshotter, namespace, session.lease());
            int applied = 0;
            int skipped = 0;
            for (int i = 0; i < chain.size(); i++) {
                String parent = i == 0 ? "" : chain.get(i - 1);
                if (committed(snapshots, chain.get(i))) {
                    skipped++;
                    progress.printf(Locale.ROOT, "layer %d/%d %s: already unpacked%n", i + 1, chain.size(), chain.get(i));
                    continue;
                }
                long l0 = System.nanoTime();
                applyLayer(snapshots, image.layers().get(i), image.diffIds().get(i), chain.get(i), parent);
                applied++;
                progress.printf(Locale.ROOT, "layer %d/%d %s: applied %s (%d bytes) in %d ms%n", i + 1, chain.size(), chain.get(i),
                        image.layers().get(i).digest(), image.layers().get(i).size(), (System.nanoTime() - l0) / 1_000_000);
            }
            session.referenceSnapshots(image.config(), snapshotter, chain.get(chain.size() - 1));
            progress.flush();
            return new Result(imageName, chain, applied, skipped, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static boolean committed(GrpcSnapshotter snapshots, String chainId) {
        try {
            Info info = snapshots.stat(chainId);
            return info.kind() == Kind.COMMITTED;
        } catch (LayerdException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** Prepare (extract key) → Apply → Commit; on any failure the extract snapshot is removed. */
    private void applyLayer(GrpcSnapshotter snapshots, Descriptor layer, String diffId, String chainId, String parent) {
        String key = "extract-" + System.nanoTime() + "-" + chainId;
        Map<String, String> labels = Map.of("containerd.io/snapshot.ref", chainId);
        List<Mount> mounts = snapshots.prepare(key, parent, labels);
        boolean committed = false;
        try {
            Descriptor appliedTar = apply(layer, mounts);
            if (!appliedTar.digest().equals(diffId)) {
                throw LayerdException.failedPrecondition("layer %s unpacked to %s, but the image config says its diff id is %s",
                        layer.digest(), appliedTar.digest(), diffId);
            }
            snapshots.commit(chainId, key, labels, null);
            committed = true;
        } finally {
            if (!committed) {
                try {
                    snapshots.remove(key);
                } catch (LayerdException ignored) {
                    // the original failure is what the caller needs to see
                }
            }
        }
    }

    private Descriptor apply(Descriptor layer, List<Mount> mounts) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
        try {
            var r = DiffGrpc.newBlockingStub(layerd).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h))
                    .apply(ApplyRequest.newBuilder()
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
