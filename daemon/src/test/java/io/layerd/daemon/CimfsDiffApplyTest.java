package io.layerd.daemon;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.ApplyResponse;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.snapshots.v1.CommitSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.SnapshotsGrpc;
import io.layerd.api.containerd.types.Mount;
import io.layerd.cimfs.image.CimReader;
import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.content.LocalContentStore;
import io.layerd.core.content.TestLayers;
import io.layerd.core.tar.TarWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apply of Windows layers through the daemon's Diff service onto its cimfs instance: the applied
 * descriptor and the snapshot's CIM on success; the code of each failure, with no CIM, region file
 * or host file left, and a good retry on the same snapshot.
 */
class CimfsDiffApplyTest {
    @TempDir
    Path root;
    TestDaemon d;
    SnapshotsGrpc.SnapshotsBlockingStub snapshots;
    DiffGrpc.DiffBlockingStub diff;
    LocalContentStore content;
    byte[] goodTar;
    Descriptor good;

    @BeforeEach
    void start() throws IOException {
        d = TestDaemon.start(root, "");
        snapshots = SnapshotsGrpc.newBlockingStub(d.channel.channel());
        diff = DiffGrpc.newBlockingStub(d.channel.channel());
        content = new LocalContentStore(root.resolve("content"));
        goodTar = windowsTar(b -> b.directory("Files", 0).file("Files/hello.txt", 5000, 3, 0x20, Map.of()));
        good = TestLayers.store(content, TestLayers.gzip(goodTar), TestLayers.TAR_GZIP);
    }

    @AfterEach
    void stop() {
        d.close();
    }

    interface Body {
        void write(WindowsLayerTarBuilder b) throws IOException;
    }

    private static byte[] windowsTar(Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
            body.write(b);
        }
        return out.toByteArray();
    }

    private Mount prepareExtract(String key) {
        List<Mount> mounts = snapshots.prepare(PrepareSnapshotRequest.newBuilder().setSnapshotter("cimfs").setKey(key).build())
                .getMountsList();
        assertEquals(1, mounts.size());
        assertEquals("CimFS", mounts.get(0).getType());
        return mounts.get(0);
    }

    private ApplyResponse apply(Descriptor layer, Mount mount) {
        return diff.apply(ApplyRequest.newBuilder().setDiff(io.layerd.api.containerd.types.Descriptor.newBuilder()
                .setMediaType(layer.mediaType()).setDigest(layer.digest()).setSize(layer.size())).addMounts(mount).build());
    }

    private Path cimLayers() {
        return root.resolve("snapshotters/cimfs/snapshots/cim-layers");
    }

    private void assertApplied(Mount mount) throws IOException {
        var applied = apply(good, mount).getApplied();
        assertEquals("application/vnd.oci.image.layer.v1.tar", applied.getMediaType());
        assertEquals(Digests.of(goodTar), applied.getDigest());
        assertEquals(goodTar.length, applied.getSize());
        Path cim = cimLayers().resolve(Path.of(mount.getSource()).getFileName() + ".cim");
        try (CimReader r = CimReader.open(cim)) {
            assertEquals(5000, r.lookup("Files\\hello.txt").orElseThrow().entry().defaultStream().size());
        }
    }

    private void assertFailsLeavingNothingThenRetrySucceeds(Descriptor bad, Status.Code code, String key, String... mentioned)
            throws IOException {
        Mount mount = prepareExtract(key);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> apply(bad, mount));
        assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
        for (String m : mentioned) {
            assertTrue(e.getStatus().getDescription().contains(m), e.getStatus().getDescription() + " should name " + m);
        }
        assertEquals(List.of(), names(Path.of(mount.getSource())), "no host file");
        assertEquals(List.of(), names(cimLayers()), "no CIM, region or temp file");
        assertApplied(mount);
    }

    @Test
    void windowsLayerBecomesTheSnapshotsCim() throws IOException {
        Mount mount = prepareExtract("extract-1 sha256:chain");
        assertApplied(mount);
        snapshots.commit(CommitSnapshotRequest.newBuilder().setSnapshotter("cimfs").setKey("extract-1 sha256:chain")
                .setName("sha256:chain").build());
    }

    @Test
    void badWindowsEntryIsInvalidArgumentNamingIt() throws IOException {
        byte[] tar = windowsTar(b -> b.directory("Files", 0).raw(TarWriter.Entry.file("Files/bad.txt", 0),
                Map.of("MSWINDOWS.rawsd", "***".getBytes(StandardCharsets.UTF_8)), new byte[0]));
        Descriptor bad = TestLayers.store(content, TestLayers.gzip(tar), TestLayers.TAR_GZIP);
        assertFailsLeavingNothingThenRetrySucceeds(bad, Status.Code.INVALID_ARGUMENT, "extract-bad", "Files/bad.txt", "base64");
    }

    @Test
    void blobNotMatchingItsDigestIsFailedPrecondition() throws IOException {
        Descriptor stored = TestLayers.store(content, goodTar, TestLayers.TAR);
        byte[] rotten = goodTar.clone();
        rotten[goodTar.length - 1024 - 2000] ^= 1; // inside hello.txt's data: still a valid tar
        Files.write(content.blobPath(stored.digest()), rotten);
        assertFailsLeavingNothingThenRetrySucceeds(stored, Status.Code.FAILED_PRECONDITION, "extract-mismatch", "digest");
    }

    @Test
    void mountNamingAnotherCimIsRefused() throws IOException {
        Mount mount = prepareExtract("extract-x");
        Mount elsewhere = mount.toBuilder().clearOptions().addOptions("rw").addOptions("cimpath=" + root.resolve("x.cim")).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> apply(good, elsewhere));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().getDescription());
        assertTrue(Files.notExists(root.resolve("x.cim")));
        Mount foreign = mount.toBuilder().setSource(Files.createDirectories(root.resolve("foreign")).toString()).build();
        assertEquals(Status.Code.UNIMPLEMENTED, assertThrows(StatusRuntimeException.class, () -> apply(good, foreign))
                .getStatus().getCode(), "not a cimfs snapshot: containerd tries its next differ");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
