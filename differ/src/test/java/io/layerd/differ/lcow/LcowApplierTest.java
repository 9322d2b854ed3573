package io.layerd.differ.lcow;

import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.content.LocalContentStore;
import io.layerd.core.content.TestLayers;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Mount;
import io.layerd.differ.ApplyOptions;
import io.layerd.lcow.LcowLayerSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LcowApplierTest {
    @TempDir
    Path tmp;
    Path instanceRoot;
    Path snapshot;
    LocalContentStore content;
    LcowLayerSettings settings = LcowLayerSettings.defaults();

    @BeforeEach
    void setUp() throws IOException {
        instanceRoot = tmp.resolve("lcow");
        snapshot = Files.createDirectories(instanceRoot.resolve("snapshots/1"));
        content = new LocalContentStore(tmp.resolve("content"));
    }

    private Descriptor apply(Descriptor layer) {
        LcowApplier applier = new LcowApplier(dir -> dir.startsWith(instanceRoot) ? Optional.of(settings) : Optional.empty());
        return applier.apply(layer, new Mount("lcow-layer", snapshot.toString(), "", List.of("rw", "parentLayerPaths=null")),
                new ApplyOptions(content, false));
    }

    private void assertApplied(byte[] tar, Descriptor applied) throws Exception {
        assertEquals("application/vnd.oci.image.layer.v1.tar", applied.mediaType());
        assertEquals(Digests.of(tar), applied.digest());
        assertEquals(tar.length, applied.size());
        assertEquals(List.of("layer.vhd"), names(snapshot), "only layer.vhd, no temp file");
        assertE2fsckClean(snapshot.resolve("layer.vhd"));
    }

    @Test
    void uncompressedLayer() throws Exception {
        byte[] tar = TestLayers.sampleTar();
        assertApplied(tar, apply(TestLayers.store(content, tar, TestLayers.TAR)));
    }

    @Test
    void gzipLayer() throws Exception {
        byte[] tar = TestLayers.sampleTar();
        assertApplied(tar, apply(TestLayers.store(content, TestLayers.gzip(tar), TestLayers.TAR_GZIP)));
    }

    @Test
    void zstdLayer() throws Exception {
        byte[] tar = TestLayers.sampleTar();
        assertApplied(tar, apply(TestLayers.store(content, TestLayers.zstd(tar), TestLayers.TAR_ZSTD)));
    }

    @Test
    void dockerGzipLayerWithVerity() throws Exception {
        settings = new LcowLayerSettings(true, 1L << 30);
        byte[] tar = TestLayers.sampleTar();
        assertApplied(tar, apply(TestLayers.store(content, TestLayers.gzip(tar), "application/vnd.docker.image.rootfs.diff.tar.gzip")));
    }

    @Test
    void unknownMediaTypeIsInvalidArgumentNamingIt() throws IOException {
        Descriptor d = TestLayers.store(content, TestLayers.sampleTar(), "application/vnd.example.layer+bzip2");
        LayerdException e = assertThrows(LayerdException.class, () -> apply(d));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("application/vnd.example.layer+bzip2"), e.getMessage());
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void corruptGzipIsInvalidArgumentAndLeavesNothing() throws IOException {
        byte[] gz = TestLayers.gzip(TestLayers.sampleTar());
        for (int i = 20; i < gz.length - 8; i += 7) {
            gz[i] ^= 0x5a;
        }
        Descriptor d = TestLayers.store(content, gz, TestLayers.TAR_GZIP);
        LayerdException e = assertThrows(LayerdException.class, () -> apply(d));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void notATarIsInvalidArgument() throws IOException {
        Descriptor d = TestLayers.store(content, "just some text, not a tar".repeat(40).getBytes(StandardCharsets.UTF_8), TestLayers.TAR);
        LayerdException e = assertThrows(LayerdException.class, () -> apply(d));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void blobNotMatchingItsDigestIsFailedPreconditionAndLeavesNothing() throws IOException {
        byte[] tar = TestLayers.sampleTar();
        Descriptor d = TestLayers.store(content, tar, TestLayers.TAR);
        // Bit rot on disk: same size, still a valid tar, different bytes.
        byte[] rotten = tar.clone();
        rotten[1024] ^= 1; // first byte of etc/hostname
        Files.write(content.blobPath(d.digest()), rotten);
        LayerdException e = assertThrows(LayerdException.class, () -> apply(d));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(d.digest()), e.getMessage());
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void corruptionThatAlsoBreaksTheTarIsReportedAsTheDigestMismatch() throws IOException {
        byte[] gz = TestLayers.gzip(TestLayers.sampleTar());
        Descriptor d = TestLayers.store(content, gz, TestLayers.TAR_GZIP);
        byte[] rotten = gz.clone();
        for (int i = 20; i < rotten.length - 8; i += 7) {
            rotten[i] ^= 0x5a;
        }
        Files.write(content.blobPath(d.digest()), rotten);
        LayerdException e = assertThrows(LayerdException.class, () -> apply(d));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("digest"), e.getMessage());
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void descriptorSizeDifferentFromTheBlobIsFailedPrecondition() throws IOException {
        Descriptor stored = TestLayers.store(content, TestLayers.sampleTar(), TestLayers.TAR);
        Descriptor d = new Descriptor(stored.mediaType(), stored.digest(), stored.size() + 1, null);
        assertEquals(ErrorKind.FAILED_PRECONDITION, assertThrows(LayerdException.class, () -> apply(d)).kind());
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void missingBlobIsNotFound() {
        byte[] tar = TestLayers.sampleTar();
        Descriptor d = new Descriptor(TestLayers.TAR, Digests.of(tar), tar.length, null);
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(LayerdException.class, () -> apply(d)).kind());
    }

    @Test
    void layerLargerThanMaxLayerSizeIsFailedPreconditionThenFitsWithALargerLimit() throws Exception {
        byte[] tar = TestLayers.tarWithFileOf(4 << 20);
        Descriptor d = TestLayers.store(content, TestLayers.gzip(tar), TestLayers.TAR_GZIP);
        settings = new LcowLayerSettings(false, 1 << 20);
        LayerdException e = assertThrows(LayerdException.class, () -> apply(d));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("max_layer_size"), e.getMessage());
        assertEquals(List.of(), names(snapshot));

        settings = new LcowLayerSettings(false, 64 << 20);
        assertApplied(tar, apply(d));
    }

    @Test
    void secondApplyReplacesTheLayerAndAFailedOneLeavesNone() throws Exception {
        byte[] first = TestLayers.tarWithFileOf(10_000);
        byte[] second = TestLayers.sampleTar();
        apply(TestLayers.store(content, first, TestLayers.TAR));
        assertApplied(second, apply(TestLayers.store(content, TestLayers.gzip(second), TestLayers.TAR_GZIP)));

        Descriptor bad = TestLayers.store(content, "not a layer".repeat(100).getBytes(StandardCharsets.UTF_8), TestLayers.TAR);
        assertThrows(LayerdException.class, () -> apply(bad));
        assertEquals(List.of(), names(snapshot));
    }

    @Test
    void directoryOfNoLcowInstanceGoesToTheNextDiffer() throws IOException {
        snapshot = Files.createDirectories(tmp.resolve("elsewhere"));
        Descriptor d = TestLayers.store(content, TestLayers.sampleTar(), TestLayers.TAR);
        assertEquals(ErrorKind.NOT_IMPLEMENTED, assertThrows(LayerdException.class, () -> apply(d)).kind());
        assertEquals(List.of(), names(snapshot));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** {@code e2fsck -fn} must exit 0; the layer file's VHD footer and verity tree lie past the file system. */
    static void assertE2fsckClean(Path image) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("e2fsck", "-fn", image.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "e2fsck is not installed: apt-get install e2fsprogs (scripts/test.sh does)");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "e2fsck timed out");
        assertEquals(0, p.exitValue(), "e2fsck -fn " + image + ":\n" + out);
    }
}
