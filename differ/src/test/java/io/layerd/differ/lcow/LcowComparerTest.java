package io.layerd.differ.lcow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import io.layerd.core.content.BlobStream;
import io.layerd.core.content.ContentInfo;
import io.layerd.core.content.ContentStore;
import io.layerd.core.content.ContentWriter;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.content.LocalContentStore;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarReader;
import io.layerd.core.tar.TarWriter;
import io.layerd.differ.CompareOptions;
import io.layerd.differ.DiffRouter;
import io.layerd.lcow.scratch.ScratchLayout;
import io.layerd.lcow.scratch.ScriptedScratchExporter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * LCOW Diff with a stand-in for the service VM's export: the blob in the content store is the OCI
 * form of the upper dir, compressed per media type, labelled with its uncompressed digest; bad
 * mounts are refused with the right codes and a failed export leaves nothing behind.
 */
class LcowComparerTest {
    @TempDir
    Path tmp;

    private Path snapshots;
    private Path parent;
    private Path container;
    private Path staging;
    private LocalContentStore store;
    private final Map<String, Map<String, String>> labelsByDigest = new HashMap<>();
    private final ScriptedScratchExporter exporter = new ScriptedScratchExporter();

    @BeforeEach
    void layout() throws IOException {
        snapshots = Files.createDirectories(tmp.resolve("lcow/snapshots"));
        parent = Files.createDirectories(snapshots.resolve("1"));
        Files.write(parent.resolve("layer.vhd"), new byte[512]);
        container = Files.createDirectories(snapshots.resolve("2"));
        Files.write(container.resolve("sandbox.vhdx"), new byte[512]);
        staging = tmp.resolve("diff-tmp");
        store = new LocalContentStore(tmp.resolve("content"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out);
        Instant t = Instant.parse("2026-11-24T12:00:00Z");
        w.putEntry(TarWriter.Entry.directory("etc").withMtime(t));
        w.putEntry(TarWriter.Entry.charDevice("etc/passwd", 0, 0).withMode(0).withMtime(t));
        w.putFile(TarWriter.Entry.file("etc/hostname", 10).withMtime(t), new ByteArrayInputStream("container\n".getBytes(StandardCharsets.UTF_8)));
        w.putEntry(TarWriter.Entry.directory("var/cache").withMtime(t).withXattrs(Map.of("trusted.overlay.opaque", new byte[] {'y'})));
        w.finish();
        exporter.answer(out.toByteArray());
    }

    /** Records the labels an ingest sets (the local store keeps none, as containerd's on-disk store). */
    private final ContentStore recording = new ContentStore() {
        @Override
        public ContentInfo info(String digest) {
            return store.info(digest);
        }

        @Override
        public BlobStream open(String digest) {
            return store.open(digest);
        }

        @Override
        public ContentWriter writer(String ref, long expectedSize, String expectedDigest) {
            return store.writer(ref, expectedSize, expectedDigest);
        }

        @Override
        public void delete(String digest) {
            store.delete(digest);
        }

        @Override
        public void ingest(String ref, InputStream data, long size, String digest, Map<String, String> labels) {
            labelsByDigest.put(digest, labels);
            store.ingest(ref, data, size, digest, labels);
        }
    };

    private DiffRouter router() {
        return new DiffRouter(Map.of(), Map.of("lcow-layer",
                new LcowComparer(dir -> snapshots.equals(dir.getParent()) ? Optional.of(ScratchLayout.SINGLE) : Optional.empty(),
                        exporter, staging)));
    }

    private Mount right() {
        return new Mount("lcow-layer", container.toString(), List.of("rw", LayerMountOptions.parentLayerPaths(List.of(parent))));
    }

    private Mount parentView() {
        return new Mount("lcow-layer", parent.toString(), List.of("ro", "parentLayerPaths=null"));
    }

    private Descriptor diff(List<Mount> left, List<Mount> right, String mediaType) {
        return router().compare(left, right, new CompareOptions(recording, mediaType, "", Map.of("build", "1"), null));
    }

    private List<String> entries(Descriptor d, boolean zstd, boolean gzip) throws IOException {
        List<String> names = new ArrayList<>();
        try (BlobStream blob = store.open(d.digest())) {
            byte[] raw = blob.data().readAllBytes();
            assertEquals(d.size(), raw.length);
            assertEquals(d.digest(), Digests.of(raw));
            InputStream in = new ByteArrayInputStream(raw);
            in = gzip ? new GZIPInputStream(in) : zstd ? new ZstdInputStream(in) : in;
            byte[] tar = in.readAllBytes();
            assertEquals(Digests.of(tar), labelsByDigest.get(d.digest()).get(LcowComparer.UNCOMPRESSED_LABEL));
            TarReader r = new TarReader(new ByteArrayInputStream(tar));
            for (TarEntry e; (e = r.next()) != null; ) {
                names.add(e.name().replaceAll("/$", ""));
            }
        }
        return names;
    }

    @Test
    void theUpperDirBecomesAnOciLayerCompressedPerMediaType() throws IOException {
        List<String> expected = List.of("etc", "etc/.wh.passwd", "etc/hostname", "var/cache", "var/cache/.wh..wh..opq");
        Descriptor gz = diff(List.of(parentView()), List.of(right()), "");
        assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", gz.mediaType(), "gzip by default, as containerd");
        assertEquals(expected, entries(gz, false, true));
        assertEquals("1", labelsByDigest.get(gz.digest()).get("build"), "the caller's labels go along");
        assertEquals(List.of("2:upper"), exporter.exports(), "the container's upper dir, from its own scratch");

        Descriptor zst = diff(List.of(parentView()), List.of(right()), "application/vnd.oci.image.layer.v1.tar+zstd");
        assertEquals(expected, entries(zst, true, false));
        Descriptor plain = diff(List.of(parentView()), List.of(right()), "application/vnd.oci.image.layer.v1.tar");
        assertEquals(expected, entries(plain, false, false));
        assertEquals(labelsByDigest.get(gz.digest()).get(LcowComparer.UNCOMPRESSED_LABEL), plain.digest(),
                "every compression of the same changes has the same uncompressed digest");
    }

    @Test
    void aBaseLayerHasNoLeftMount() throws IOException {
        Mount base = new Mount("lcow-layer", container.toString(), List.of("rw", "parentLayerPaths=null"));
        Descriptor d = diff(List.of(), List.of(base), "");
        assertTrue(entries(d, false, true).contains("etc/hostname"));
    }

    @Test
    void badRequestsGetTheirCodes() {
        LayerdException other = assertThrows(LayerdException.class,
                () -> diff(List.of(new Mount("overlay", "/x", List.of())), List.of(new Mount("overlay", "/y", List.of())), ""));
        assertEquals(ErrorKind.NOT_IMPLEMENTED, other.kind(), "containerd's walking differ takes over");
        LayerdException mixed = assertThrows(LayerdException.class,
                () -> diff(List.of(new Mount("bind", "/x", List.of())), List.of(right()), ""));
        assertEquals(ErrorKind.NOT_IMPLEMENTED, mixed.kind());

        Mount view = new Mount("lcow-layer", container.toString(), List.of("ro", LayerMountOptions.parentLayerPaths(List.of(parent))));
        LayerdException notActive = assertThrows(LayerdException.class, () -> diff(List.of(parentView()), List.of(view), ""));
        assertEquals(ErrorKind.INVALID_ARGUMENT, notActive.kind(), notActive.getMessage());
        LayerdException notParent = assertThrows(LayerdException.class,
                () -> diff(List.of(new Mount("lcow-layer", container.toString(), List.of("ro", "parentLayerPaths=null"))), List.of(right()), ""));
        assertEquals(ErrorKind.INVALID_ARGUMENT, notParent.kind(), notParent.getMessage());
        LayerdException media = assertThrows(LayerdException.class, () -> diff(List.of(parentView()), List.of(right()), "text/plain"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, media.kind(), media.getMessage());
        LayerdException outside = assertThrows(LayerdException.class, () -> diff(List.of(),
                List.of(new Mount("lcow-layer", tmp.toString(), List.of("rw", "parentLayerPaths=null"))), ""));
        assertEquals(ErrorKind.INVALID_ARGUMENT, outside.kind(), "only layerd's own snapshot directories");
        assertEquals(List.of(), exporter.exports(), "nothing was exported for a bad request");
    }

    @Test
    void aVmDyingMidExportIsUnavailableAndLeavesNoBlob() throws IOException {
        exporter.failAfter(600, LayerdException.unavailable("service VM global-1 exited during the request"));
        LayerdException e = assertThrows(LayerdException.class, () -> diff(List.of(parentView()), List.of(right()), ""));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
        assertEquals(Map.of(), labelsByDigest, "nothing reached the content store");
        try (Stream<Path> left = Files.list(staging)) {
            assertEquals(List.of(), left.toList(), "no staged file left");
        }
        exporter.failAfter(0, null);
        assertTrue(entries(diff(List.of(parentView()), List.of(right()), ""), false, true).contains("etc/.wh.passwd"), "the retry works");
    }

    @Test
    void anUnreadableScratchIsAClearFailedPrecondition() {
        exporter.answer("this is no tar archive at all, just text that the export returned".repeat(20).getBytes(StandardCharsets.UTF_8));
        LayerdException e = assertThrows(LayerdException.class, () -> diff(List.of(parentView()), List.of(right()), ""));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("sandbox.vhdx"), e.getMessage());
        assertEquals(Map.of(), labelsByDigest);
    }
}
