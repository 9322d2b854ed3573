package io.layerd.daemon;

import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.SnapshotsGrpc;
import io.layerd.core.content.BlobStream;
import io.layerd.core.content.ContainerdContentStore;
import io.layerd.core.content.Digests;
import io.layerd.core.content.TestLayers;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.daemon.client.DaemonChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client of containerd's Content service against a fake of it, and Apply reading through it. */
class ContainerdContentStoreTest {
    @TempDir
    Path tmp;
    FakeContainerdContent containerd;
    Path socket;

    @BeforeEach
    void start() throws IOException {
        socket = tmp.resolve("containerd.sock");
        containerd = new FakeContainerdContent(socket);
    }

    @AfterEach
    void stop() throws InterruptedException {
        containerd.close();
    }

    @Test
    void readsABlobOfSeveralChunksInTheCallersNamespace() throws IOException {
        byte[] blob = new byte[(3 << 20) + 12345];
        new Random(1).nextBytes(blob);
        containerd.put("k8s.io", blob);
        String digest = Digests.of(blob);
        try (DaemonChannel ch = new DaemonChannel(socket)) {
            ContainerdContentStore store = new ContainerdContentStore(ch.channel(), "k8s.io");
            assertEquals(blob.length, store.info(digest).size());
            try (BlobStream s = store.open(digest); InputStream in = s.data()) {
                assertEquals(blob.length, s.size());
                assertArrayEquals(blob, in.readAllBytes());
            }
            try (InputStream in = store.read(digest, (1 << 20) - 10, (2 << 20) + 20)) {
                assertArrayEquals(java.util.Arrays.copyOfRange(blob, (1 << 20) - 10, (3 << 20) + 10), in.readAllBytes());
            }
            IOException beyond = assertThrows(IOException.class, () -> store.read(digest, blob.length + 1, 0).read());
            assertEquals(ErrorKind.INVALID_ARGUMENT, ((LayerdException) beyond.getCause()).kind());
            LayerdException e = assertThrows(LayerdException.class,
                    () -> new ContainerdContentStore(ch.channel(), "default").info(digest));
            assertEquals(ErrorKind.NOT_FOUND, e.kind());
        }
        assertTrue(containerd.namespacesSeen.contains("k8s.io") && containerd.namespacesSeen.contains("default"),
                containerd.namespacesSeen.toString());
    }

    @Test
    void writesCommitOnceAndMismatchesAreRefused() throws IOException {
        byte[] blob = "a blob written through containerd".getBytes();
        String digest = Digests.of(blob);
        try (DaemonChannel ch = new DaemonChannel(socket)) {
            ContainerdContentStore store = new ContainerdContentStore(ch.channel(), "default");
            store.ingest("ref-1", new ByteArrayInputStream(blob), blob.length, digest);
            assertArrayEquals(blob, containerd.blobs.get("default").get(digest));
            store.ingest("ref-2", new ByteArrayInputStream(blob), blob.length, digest); // already there: success

            byte[] other = "something else entirely".getBytes();
            LayerdException e = assertThrows(LayerdException.class,
                    () -> store.ingest("ref-3", new ByteArrayInputStream(other), other.length, Digests.of("not these bytes".getBytes())));
            assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.toString());
            store.delete(digest);
            assertEquals(ErrorKind.NOT_FOUND, assertThrows(LayerdException.class, () -> store.info(digest)).kind());
        }
    }

    @Test
    void applyReadsTheBlobFromContainerdInTheRequestsNamespace() throws IOException {
        byte[] tar = TestLayers.sampleTar();
        byte[] gz = TestLayers.gzip(tar);
        containerd.put("example", gz);
        try (TestDaemon d = TestDaemon.start(tmp.resolve("root"), "[content]\ncontainerd_address = \"" + socket + "\"\n")) {
            var mount = SnapshotsGrpc.newBlockingStub(d.channel.channel()).prepare(PrepareSnapshotRequest.newBuilder()
                    .setSnapshotter("lcow").setKey("extract-1 sha256:x").build()).getMounts(0);
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), "example");
            var diff = DiffGrpc.newBlockingStub(d.channel.channel()).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            var applied = diff.apply(ApplyRequest.newBuilder().addMounts(mount)
                    .setDiff(io.layerd.api.containerd.types.Descriptor.newBuilder().setMediaType(TestLayers.TAR_GZIP)
                            .setDigest(Digests.of(gz)).setSize(gz.length)).build()).getApplied();
            assertEquals(Digests.of(tar), applied.getDigest());
            assertEquals(tar.length, applied.getSize());
        }
        assertTrue(containerd.namespacesSeen.stream().allMatch("example"::equals), containerd.namespacesSeen.toString());
    }
}
