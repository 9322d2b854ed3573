package io.layerd.daemon.image;

import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.Snapshotter;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The unpack of one image's layers onto a snapshotter, as containerd's unpacker does it: per layer
 * (base first) an {@code extract-…} snapshot on the previous chain id, the layer applied into it,
 * the diff id checked, the snapshot committed under the layer's chain id with
 * {@code containerd.io/snapshot.ref}. Layers whose chain id is committed already are skipped; a
 * failed layer's extract snapshot is removed.
 */
final class LayerChain {
    /** Applies a layer blob onto a snapshot's mounts, returning the uncompressed tar's descriptor. */
    @FunctionalInterface
    interface LayerApplier {
        Descriptor apply(Descriptor layer, List<Mount> mounts);
    }

    /** How many layers were applied and skipped. */
    record Counts(int applied, int skipped) {
    }

    private LayerChain() {
    }

    static Counts unpack(ImageManifest image, Snapshotter snapshots, LayerApplier applier, PrintWriter progress) {
        List<String> chain = image.chainIds();
        int applied = 0;
        int skipped = 0;
        for (int i = 0; i < chain.size(); i++) {
            if (committed(snapshots, chain.get(i))) {
                skipped++;
                progress.printf(Locale.ROOT, "layer %d/%d %s: already unpacked%n", i + 1, chain.size(), chain.get(i));
                continue;
            }
            long t0 = System.nanoTime();
            Descriptor layer = image.layers().get(i);
            applyLayer(snapshots, applier, layer, image.diffIds().get(i), chain.get(i), i == 0 ? "" : chain.get(i - 1));
            applied++;
            progress.printf(Locale.ROOT, "layer %d/%d %s: applied %s (%d bytes) in %d ms%n", i + 1, chain.size(), chain.get(i),
                    layer.digest(), layer.size(), (System.nanoTime() - t0) / 1_000_000);
        }
        progress.flush();
        return new Counts(applied, skipped);
    }

    private static boolean committed(Snapshotter snapshots, String chainId) {
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

    private static void applyLayer(Snapshotter snapshots, LayerApplier applier, Descriptor layer, String diffId, String chainId,
                                   String parent) {
        String key = "extract-" + System.nanoTime() + "-" + chainId;
        Map<String, String> labels = Map.of("containerd.io/snapshot.ref", chainId);
        List<Mount> mounts = snapshots.prepare(key, parent, labels);
        boolean committed = false;
        try {
            Descriptor appliedTar = applier.apply(layer, mounts);
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
}
