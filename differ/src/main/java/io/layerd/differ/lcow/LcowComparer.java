package io.layerd.differ.lcow;

import com.github.luben.zstd.ZstdOutputStream;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.errors.Causes;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.io.CountingOutputStream;
import io.layerd.core.io.ProducerInputStream;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Mount;
import io.layerd.differ.CompareOptions;
import io.layerd.differ.Comparer;
import io.layerd.differ.LayerMediaTypes;
import io.layerd.lcow.LcowLayout;
import io.layerd.lcow.convert.OverlayUpperTar;
import io.layerd.lcow.scratch.ScratchExport;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchLayout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;

/**
 * Diff for LCOW (containerd's LCOW differ has none): the container's changes are exactly its
 * scratch's overlay upper dir, so the service VM exports that dir and layerd turns overlay
 * whiteouts and opaque dirs into their OCI form, compresses per media type, and writes the blob to
 * the content store — first to a temporary file, so a failed export leaves nothing in the store.
 *
 * <p>The left mount must be the parent view of the right one (same layers, same order): that is
 * what makes the upper dir the whole difference, and it is how containerd calls Diff (commit,
 * build). The parent layers are attached read-only beside the scratch only to tell which of the
 * directories overlayfs marked opaque hide a parent directory (those keep the marker).
 */
public final class LcowComparer implements Comparer {
    /** containerd's label for the uncompressed digest of a layer blob. */
    public static final String UNCOMPRESSED_LABEL = "containerd.io/uncompressed";

    private final Function<Path, Optional<ScratchLayout>> containerAt;
    private final ScratchExporter exporter;
    private final Path tempDir;

    /**
     * @param containerAt   the scratch layout of the active container snapshot at a directory, empty
     *                      when it is no active snapshot of this daemon's lcow instances
     * @param tempDir       where a blob is written before it goes into the content store
     */
    public LcowComparer(Function<Path, Optional<ScratchLayout>> containerAt, ScratchExporter exporter, Path tempDir) {
        this.containerAt = containerAt;
        this.exporter = exporter;
        this.tempDir = tempDir;
    }

    @Override
    public Descriptor compare(Optional<Mount> lower, Mount upper, CompareOptions options) {
        Compression compression = Compression.of(options.mediaType());
        Path dir = Path.of(upper.source()).toAbsolutePath().normalize();
        Path sandbox = dir.resolve(LcowLayout.SANDBOX);
        Optional<ScratchLayout> layout = upper.options().contains(LayerMountOptions.READ_WRITE) ? containerAt.apply(dir) : Optional.empty();
        if (layout.isEmpty() || !Files.exists(sandbox)) {
            throw LayerdException.invalidArgument("diff: the right mount (%s) is not an active container snapshot of layerd's lcow "
                    + "instances: it must be rw and its directory must hold %s", upper.source(), LcowLayout.SANDBOX);
        }
        List<Path> parents = LayerMountOptions.parentLayerPaths("diff: right mount", upper.options());
        List<Path> leftLayers = lower.map(LcowComparer::layersOf).orElse(List.of());
        if (!normalized(leftLayers).equals(normalized(parents))) {
            throw LayerdException.invalidArgument("diff: the left mount must be the parent view of the right one: left has layers %s, "
                    + "the right snapshot's parents are %s", leftLayers, parents);
        }
        String mediaType = compression.mediaType(options.mediaType());
        Path temp = null;
        try {
            Files.createDirectories(tempDir);
            temp = Files.createTempFile(tempDir, "diff-", ".tmp");
            MessageDigest plain = Digests.sha256();
            MessageDigest stored = Digests.sha256();
            long size;
            try (ScratchExport changes = exporter.open(sandbox, layout.get().upperDir(),
                    parents.stream().map(p -> p.resolve(LcowLayout.LAYER)).toList(), dir.toString());
                 InputStream layer = new ProducerInputStream("diff of " + dir,
                         out -> OverlayUpperTar.toOciLayer(changes.upperTar(), out, options.sourceDateEpoch(), changes::parentsHaveDirectory));
                 OutputStream file = Files.newOutputStream(temp, StandardOpenOption.WRITE);
                 CountingOutputStream counted = new CountingOutputStream(new DigestOutputStream(file, stored))) {
                try (OutputStream compressed = new DigestOutputStream(compression.wrap(new NonClosing(counted)), plain)) {
                    layer.transferTo(compressed);
                }
                counted.flush();
                size = counted.count();
            }
            String digest = Digests.of(stored);
            Map<String, String> labels = new HashMap<>(options.labels());
            labels.put(UNCOMPRESSED_LABEL, Digests.of(plain));
            String ref = options.ref().isEmpty() ? "layerd-diff-" + digest : options.ref();
            try (InputStream in = Files.newInputStream(temp)) {
                options.content().ingest(ref, in, size, digest, labels);
            }
            return new Descriptor(mediaType, digest, size, null);
        } catch (IOException e) {
            throw classify(dir, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a leftover diff-*.tmp is removed at the next start-up
                }
            }
        }
    }

    /** The layers a parent view shows, topmost first: its source, then its own parents. */
    private static List<Path> layersOf(Mount view) {
        List<Path> out = new java.util.ArrayList<>();
        out.add(Path.of(view.source()));
        out.addAll(LayerMountOptions.parentLayerPaths("diff: left mount", view.options()));
        return out;
    }

    private static List<Path> normalized(List<Path> dirs) {
        return dirs.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    /** A status the caller can act on, from the cause chain the streaming stages build. */
    private static LayerdException classify(Path dir, IOException failure) {
        Optional<LayerdException> status = Causes.find(failure, LayerdException.class);
        if (status.isPresent()) {
            return new LayerdException(status.get().kind(), "diff of " + dir + ": " + status.get().getMessage(), failure);
        }
        // The export reads the scratch; a disk the VM cannot mount or read is the caller's to repair.
        return new LayerdException(ErrorKind.FAILED_PRECONDITION, "diff of " + dir + ": cannot read the container's scratch "
                + dir.resolve(LcowLayout.SANDBOX) + ": " + failure.getMessage(), failure);
    }

    /** The compressions a Diff can write, chosen by the requested media type. */
    enum Compression {
        GZIP, ZSTD, NONE;

        static final String OCI_TAR = "application/vnd.oci.image.layer.v1.tar";

        static Compression of(String mediaType) {
            if (mediaType.isEmpty() || mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
                return requireLayer(mediaType, GZIP);
            }
            if (mediaType.endsWith("+zstd")) {
                return requireLayer(mediaType, ZSTD);
            }
            return requireLayer(mediaType, NONE);
        }

        private static Compression requireLayer(String mediaType, Compression c) {
            if (!mediaType.isEmpty()) {
                LayerMediaTypes.requireLayer("diff", mediaType);
            }
            return c;
        }

        /** The requested media type, or OCI gzip when none was asked for (containerd's default). */
        String mediaType(String requested) {
            return requested.isEmpty() ? OCI_TAR + "+gzip" : requested;
        }

        OutputStream wrap(OutputStream out) throws IOException {
            return switch (this) {
                case GZIP -> new GZIPOutputStream(out, 1 << 16);
                case ZSTD -> new ZstdOutputStream(out, 3);
                case NONE -> out;
            };
        }
    }

    /** Lets the compressor finish its stream without closing the file underneath. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
