package io.layerd.differ.lcow;

import io.layerd.core.content.BlobStream;
import io.layerd.core.content.ContentStore;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Mount;
import io.layerd.differ.Applier;
import io.layerd.differ.ApplyFailures;
import io.layerd.differ.LayerMediaTypes;
import io.layerd.differ.VerifyingBlobInput;
import io.layerd.differ.ApplyOptions;
import io.layerd.lcow.LcowLayerSettings;
import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.convert.TarToExt4;
import io.layerd.lcow.ext4.Ext4Exception;
import io.layerd.lcow.ext4.Ext4SizeLimitException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Applies a layer onto an {@code lcow-layer} mount, as containerd's {@code windows-lcow} differ:
 * the mount source is the snapshot directory, and the layer becomes {@code <dir>/layer.vhd}
 * (ext4 with whiteouts converted, optional dm-verity, VHD footer). The blob is read once: its
 * compressed bytes are checked against the descriptor's size and digest while they stream into
 * the decompressor, and the file takes its name only after that check passed.
 *
 * <p>Failure codes, chosen for how containerd reacts to them (errdefs, containerd-api.md §9):
 * <ul>
 * <li>unknown media type, a blob that is not a valid (compressed) tar: INVALID_ARGUMENT (unless the
 *     blob's bytes do not match its digest, which then is the error reported);</li>
 * <li>blob bytes that do not match the descriptor's size or digest: FAILED_PRECONDITION, the code
 *     containerd's own content store gives a size/digest mismatch at commit, understood as
 *     ErrFailedPrecondition by 1.x and 2.x alike (ResourceExhausted or DataLoss would read as
 *     ErrUnknown in 1.x);</li>
 * <li>a layer larger than the instance's {@code max_layer_size}, or a full disk:
 *     FAILED_PRECONDITION, for the same reason: the request is fine, the system cannot take it;</li>
 * <li>a snapshot directory no {@code lcow} instance owns: NOT_IMPLEMENTED, so containerd offers
 *     the mount to its next differ.</li>
 * </ul>
 *
 * <p>The layer file is always flushed to disk before it is renamed into place (containerd's
 * differ fsyncs it regardless of {@code sync_fs} too), so {@code syncFs} asks for nothing more.
 *
 * <p>A second Apply onto a snapshot that already has {@code layer.vhd} replaces it atomically when
 * it succeeds; when any Apply fails the snapshot is left without {@code layer.vhd}, as containerd's
 * differ leaves it, so a failed extract snapshot can never be committed with stale content.
 */
public final class LcowApplier implements Applier {
    public static final String LAYER_FILE = "layer.vhd";

    /** The layer settings of the {@code lcow} instance whose snapshot directory {@code dir} is. */
    @FunctionalInterface
    public interface SettingsLookup {
        Optional<LcowLayerSettings> forSnapshotDir(Path dir);
    }

    private final SettingsLookup settings;

    public LcowApplier(SettingsLookup settings) {
        this.settings = settings;
    }

    @Override
    public Descriptor apply(Descriptor layer, Mount mount, ApplyOptions options) {
        String digest = Digests.require(layer.digest());
        Path dir = Path.of(mount.source()).toAbsolutePath().normalize();
        LcowLayerSettings s = settings.forSnapshotDir(dir).orElseThrow(() -> LayerdException.notImplemented(
                "apply: %s is not a snapshot of any lcow instance of this layerd", dir));
        if (!Files.isDirectory(dir)) {
            throw LayerdException.notFound("apply: snapshot directory %s does not exist", dir);
        }
        Path output = dir.resolve(LAYER_FILE);
        boolean applied = false;
        try {
            LayerMediaTypes.requireLayer(digest, layer.mediaType());
            Descriptor d = convert(options.content(), layer, digest, output, s);
            applied = true;
            return d;
        } finally {
            if (!applied) {
                deleteQuietly(output);
            }
        }
    }

    private static Descriptor convert(ContentStore store, Descriptor layer, String digest, Path output, LcowLayerSettings s) {
        VerifyingBlobInput.requireStoredSize(store, digest, layer.size());
        try (BlobStream blob = store.open(digest)) {
            VerifyingBlobInput verified = new VerifyingBlobInput(blob.data(), digest, layer.size());
            LayerVhdWriter.Result r = LayerVhdWriter.write(verified, output, s.writerOptions(), TarToExt4.Progress.NONE,
                    finished -> verified.drainAndVerify());
            return new Descriptor(LayerMediaTypes.UNCOMPRESSED, r.diffId(), r.tarBytes(), null);
        } catch (IOException e) {
            LayerdException failure = classify(digest, e);
            if (failure.kind() == ErrorKind.INVALID_ARGUMENT) {
                // Bytes that are not the blob the descriptor names explain a broken tar better
                // than the tar itself does; only a failed Apply pays for this second read.
                requireIntact(store, digest, layer.size());
            }
            throw failure;
        }
    }

    private static void requireIntact(ContentStore store, String digest, long size) {
        try (BlobStream blob = store.open(digest)) {
            new VerifyingBlobInput(blob.data(), digest, size).drainAndVerify();
        } catch (VerifyingBlobInput.BlobMismatchException e) {
            throw LayerdException.failedPrecondition("%s", e.getMessage());
        } catch (IOException | RuntimeException e) {
            // The blob cannot be read again: the original failure stands.
        }
    }

    /** The error of a failed conversion: the shared kinds, and ext4's own. */
    private static LayerdException classify(String digest, IOException failure) {
        return ApplyFailures.classify(digest, failure, "layer", t -> {
            if (t instanceof Ext4SizeLimitException) {
                return LayerdException.failedPrecondition("layer %s: does not fit the instance's max_layer_size: %s",
                        digest, t.getMessage());
            }
            if (t instanceof Ext4Exception) {
                return LayerdException.invalidArgument("layer %s: not a valid layer: %s", digest, failure.getMessage());
            }
            return null;
        });
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // The Apply already failed with the error that matters; a leftover is found by Remove.
        }
    }
}
