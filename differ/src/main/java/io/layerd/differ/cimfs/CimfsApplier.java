package io.layerd.differ.cimfs;

import io.layerd.cimfs.CimfsLayout;
import io.layerd.cimfs.CimfsSnapshotter;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.wclayer.HiveMerger;
import io.layerd.cimfs.wclayer.LayerBlob;
import io.layerd.cimfs.wclayer.LayerImportException;
import io.layerd.core.content.BlobStream;
import io.layerd.core.content.ContentStore;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.mount.GoJson;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Mount;
import io.layerd.differ.Applier;
import io.layerd.differ.ApplyFailures;
import io.layerd.differ.ApplyOptions;
import io.layerd.differ.LayerMediaTypes;
import io.layerd.differ.VerifyingBlobInput;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Applies a Windows layer onto a {@code CimFS} mount, as containerd's {@code cimfs} differ: the
 * mount names the snapshot directory (source), its CIM ({@code cimpath=}) and its parents'
 * directories and CIMs, topmost first; the layer is imported into the snapshot's CIM, forked from
 * the topmost parent's. The blob is checked against its descriptor while it streams; the diffID
 * is the SHA-256 of the decompressed tar. Failure codes as for LCOW layers: a tar that is not a
 * valid Windows layer INVALID_ARGUMENT (naming the entry), bytes that are not the blob
 * FAILED_PRECONDITION, a directory no cimfs instance owns NOT_IMPLEMENTED.
 */
public final class CimfsApplier implements Applier {
    private final Function<Path, Optional<CimfsSnapshotter>> owners;
    private final CimWriterFactory writers;
    private final Optional<HiveMerger> hiveMerger;

    /** {@code owners}: the cimfs instance whose snapshot directory a path is. */
    public CimfsApplier(Function<Path, Optional<CimfsSnapshotter>> owners, CimWriterFactory writers, Optional<HiveMerger> hiveMerger) {
        this.owners = owners;
        this.writers = writers;
        this.hiveMerger = hiveMerger;
    }

    @Override
    public Descriptor apply(Descriptor layer, Mount mount, ApplyOptions options) {
        String digest = Digests.require(layer.digest());
        Path dir = Path.of(mount.source()).toAbsolutePath().normalize();
        CimfsSnapshotter snapshotter = owners.apply(dir).orElseThrow(() -> LayerdException.notImplemented(
                "apply: %s is not a snapshot of any cimfs instance of this layerd", dir));
        String cimPath = option(mount.options(), CimfsLayout.CIM_PATH).orElseThrow(() -> LayerdException.invalidArgument(
                "apply: the CimFS mount of %s has no %s option", dir, CimfsLayout.CIM_PATH));
        List<Path> parentDirs = LayerMountOptions.parentLayerPaths("apply", mount.options());
        List<String> parentCims;
        try {
            parentCims = option(mount.options(), CimfsLayout.PARENT_CIM_PATHS).map(GoJson::parseStringArray).orElse(List.of());
        } catch (IllegalArgumentException e) {
            throw LayerdException.invalidArgument("apply: bad %s option: %s", CimfsLayout.PARENT_CIM_PATHS, e.getMessage());
        }
        LayerMediaTypes.requireLayer(digest, layer.mediaType());
        ContentStore store = options.content();
        VerifyingBlobInput.requireStoredSize(store, digest, layer.size());
        try (BlobStream blob = store.open(digest)) {
            VerifyingBlobInput verified = new VerifyingBlobInput(blob.data(), digest, layer.size());
            try (LayerBlob tar = LayerBlob.open(verified)) {
                // The blob's size and digest are checked before the CIM is committed: a blob that is
                // not the one named leaves no layer. The diffID also names the CIM's regions.
                snapshotter.importLayer(dir, Path.of(cimPath), parentCims.stream().findFirst().map(Path::of),
                        parentDirs.stream().findFirst(), tar.tar(), writers, hiveMerger, tar.check(verified::drainAndVerify));
                return new Descriptor(LayerMediaTypes.UNCOMPRESSED, tar.diffId(), tar.size(), null);
            }
        } catch (IOException e) {
            throw classify(digest, e);
        }
    }

    private static Optional<String> option(List<String> options, String prefix) {
        return options.stream().filter(o -> o.startsWith(prefix)).map(o -> o.substring(prefix.length())).findFirst();
    }

    /** The error of a failed import: the shared kinds, and the importer's own. */
    private static LayerdException classify(String digest, IOException failure) {
        return ApplyFailures.classify(digest, failure, "Windows layer", t -> t instanceof LayerImportException
                ? LayerdException.invalidArgument("layer %s: not a valid Windows layer: %s", digest, t.getMessage())
                : null);
    }
}
