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
            ImageManifest image = new ManifestResolver(session.blobs()).resolve(target, platform);
            List<String> chain = image.chainIds();
            session.takeLease();
            GrpcSnapshotter snapshots = new GrpcSnapshotter(containerd, snapshotter, namespace, session.lease());
            LayerChain.Counts counts = LayerChain.unpack(image, snapshots, new LayerdDiff(layerd, namespace), progress);
            session.referenceSnapshots(image.config(), snapshotter, chain.get(chain.size() - 1));
            progress.flush();
            return new Result(imageName, chain, counts.applied(), counts.skipped(), (System.nanoTime() - t0) / 1_000_000);
        }
    }
}
