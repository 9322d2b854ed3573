package io.layerd.daemon;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.ApplyResponse;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.snapshots.v1.CommitSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.RemoveSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.SnapshotsGrpc;
import io.layerd.api.containerd.types.Mount;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.content.LocalContentStore;
import io.layerd.core.content.TestLayers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apply through the daemon's Diff service onto snapshots of its lcow instances, reading blobs from
 * the local content store at {@code <root>/content}: the applied descriptor on success, the gRPC
 * code of each failure, no layer.vhd or temp file after one, and a good retry on the same snapshot.
 */
class DiffApplyTest {
    private static final String CONFIG = """
            [plugins.lcow]
            type = "lcow"
            [plugins.small]
            type = "lcow"
            max_layer_size = "2M"
            verity = false
            """;

    @TempDir
    Path root;
    TestDaemon d;
    SnapshotsGrpc.SnapshotsBlockingStub snapshots;
    DiffGrpc.DiffBlockingStub diff;
    LocalContentStore content;
    byte[] goodTar;
    Descriptor good;

    @BeforeEach
    void start() {
        d = TestDaemon.start(root, CONFIG);
        snapshots = SnapshotsGrpc.newBlockingStub(d.channel.channel());
        diff = DiffGrpc.newBlockingStub(d.channel.channel());
        content = new LocalContentStore(root.resolve("content"));
        goodTar = TestLayers.sampleTar();
        good = TestLayers.store(content, TestLayers.gzip(goodTar), TestLayers.TAR_GZIP);
    }

    @AfterEach
    void stop() {
        d.close();
    }

    private Mount prepareExtract(String snapshotter, String key) {
        List<Mount> mounts = snapshots.prepare(PrepareSnapshotRequest.newBuilder().setSnapshotter(snapshotter)
                .setKey(key).build()).getMountsList();
        assertEquals(1, mounts.size());
        assertEquals("lcow-layer", mounts.get(0).getType());
        return mounts.get(0);
    }

    private ApplyResponse apply(Descriptor layer, Mount mount) {
        return diff.apply(ApplyRequest.newBuilder().setDiff(io.layerd.api.containerd.types.Descriptor.newBuilder()
                .setMediaType(layer.mediaType()).setDigest(layer.digest()).setSize(layer.size())).addMounts(mount).build());
    }

    private void assertApplied(Mount mount) throws IOException {
        var applied = apply(good, mount).getApplied();
        assertEquals("application/vnd.oci.image.layer.v1.tar", applied.getMediaType());
        assertEquals(Digests.of(goodTar), applied.getDigest());
        assertEquals(goodTar.length, applied.getSize());
        assertEquals(List.of("layer.vhd"), names(Path.of(mount.getSource())));
    }

    /** The failure's code, then nothing in the snapshot, then the good blob applies onto the same snapshot. */
    private void assertFailsThenRetrySucceeds(Descriptor bad, Status.Code code, String key, String snapshotter, String... mentioned)
            throws IOException {
        Mount mount = prepareExtract(snapshotter, key);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> apply(bad, mount));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
        for (String m : mentioned) {
            assertTrue(e.getStatus().getDescription().contains(m), e.getStatus().getDescription() + " should name " + m);
        }
        assertEquals(List.of(), names(Path.of(mount.getSource())), "no layer.vhd, no temp file");
        assertApplied(mount);
    }

    @Test
    void applyReturnsTheDiffIdAndSizeOfTheUncompressedTar() throws IOException {
        Mount mount = prepareExtract("lcow", "extract-1 sha256:chain");
        assertApplied(mount);
        snapshots.commit(CommitSnapshotRequest.newBuilder().setSnapshotter("lcow").setKey("extract-1 sha256:chain")
                .setName("sha256:chain").build());
    }

    @Test
    void corruptBlobIsInvalidArgument() throws IOException {
        byte[] gz = TestLayers.gzip(TestLayers.sampleTar());
        for (int i = 20; i < gz.length - 8; i += 7) {
            gz[i] ^= 0x5a;
        }
        Descriptor corrupt = TestLayers.store(content, gz, TestLayers.TAR_GZIP);
        assertFailsThenRetrySucceeds(corrupt, Status.Code.INVALID_ARGUMENT, "extract-corrupt", "lcow", corrupt.digest());
    }

    @Test
    void blobNotMatchingItsDigestIsFailedPrecondition() throws IOException {
        byte[] tar = TestLayers.tarWithFileOf(5000);
        Descriptor stored = TestLayers.store(content, tar, TestLayers.TAR);
        byte[] rotten = tar.clone();
        rotten[600] ^= 1; // inside the file's data: still a valid tar
        Files.write(content.blobPath(stored.digest()), rotten);
        assertFailsThenRetrySucceeds(stored, Status.Code.FAILED_PRECONDITION, "extract-mismatch", "lcow", "digest");
    }

    @Test
    void unsupportedMediaTypeIsInvalidArgument() throws IOException {
        Descriptor odd = new Descriptor("application/vnd.example.layer.v1.tar+lz4", good.digest(), good.size(), null);
        assertFailsThenRetrySucceeds(odd, Status.Code.INVALID_ARGUMENT, "extract-type", "lcow", "application/vnd.example.layer.v1.tar+lz4");
    }

    @Test
    void layerLargerThanMaxLayerSizeIsFailedPrecondition() throws IOException {
        Descriptor big = TestLayers.store(content, TestLayers.tarWithFileOf(4 << 20), TestLayers.TAR);
        assertFailsThenRetrySucceeds(big, Status.Code.FAILED_PRECONDITION, "extract-big", "small", "max_layer_size");
    }

    @Test
    void failedSnapshotCanBeRemovedAndTheUnpackRetried() throws IOException {
        Descriptor garbage = TestLayers.store(content, "not a tar".repeat(200).getBytes(StandardCharsets.UTF_8), TestLayers.TAR);
        Mount first = prepareExtract("lcow", "extract-a sha256:chain");
        assertThrows(StatusRuntimeException.class, () -> apply(garbage, first));
        snapshots.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter("lcow").setKey("extract-a sha256:chain").build());

        Mount second = prepareExtract("lcow", "extract-b sha256:chain");
        assertApplied(second);
        snapshots.commit(CommitSnapshotRequest.newBuilder().setSnapshotter("lcow").setKey("extract-b sha256:chain")
                .setName("sha256:chain").build());
    }

    @Test
    void mountOutsideEveryLcowInstanceGoesToTheNextDiffer() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Mount foreign = Mount.newBuilder().setType("lcow-layer").setSource(elsewhere.toString()).addOptions("rw").build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> apply(good, foreign));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        assertEquals(List.of(), names(elsewhere));

        // Inside an instance's root but not one of its snapshot directories.
        Path instanceRoot = root.resolve("snapshotters/lcow");
        Mount rootItself = foreign.toBuilder().setSource(instanceRoot.toString()).build();
        assertEquals(Status.Code.UNIMPLEMENTED, assertThrows(StatusRuntimeException.class, () -> apply(good, rootItself))
                .getStatus().getCode());
        assertTrue(Files.notExists(instanceRoot.resolve("layer.vhd")));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
