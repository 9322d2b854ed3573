package io.layerd.core.content;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalContentStoreTest {
    private static final byte[] BLOB = "a layer, or anything else".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = Digests.of(BLOB);

    @TempDir
    Path root;

    @Test
    void ingestedBlobIsStoredLikeContainerdsAndReadsBack() throws IOException {
        LocalContentStore store = new LocalContentStore(root);
        store.ingest("ref", new ByteArrayInputStream(BLOB), BLOB.length, DIGEST);

        Path blob = root.resolve("blobs/sha256/" + DIGEST.substring("sha256:".length()));
        assertArrayEquals(BLOB, Files.readAllBytes(blob));
        assertEquals(BLOB.length, store.info(DIGEST).size());
        try (BlobStream s = store.open(DIGEST); InputStream in = s.data()) {
            assertEquals(BLOB.length, s.size());
            assertArrayEquals(BLOB, in.readAllBytes());
        }
        assertEquals(0, entries(root.resolve("ingest")), "nothing left in ingest/");
    }

    @Test
    void ingestingABlobTwiceIsSuccessButCommittingItAgainIsAlreadyExists() throws IOException {
        LocalContentStore store = new LocalContentStore(root);
        store.ingest("a", new ByteArrayInputStream(BLOB), BLOB.length, DIGEST);
        store.ingest("b", new ByteArrayInputStream(BLOB), BLOB.length, DIGEST);
        LayerdException e = assertThrows(LayerdException.class, () -> store.writer("c", BLOB.length, DIGEST));
        assertEquals(ErrorKind.ALREADY_EXISTS, e.kind());
    }

    @Test
    void digestMismatchIsRefusedAndLeavesNothing() throws IOException {
        LocalContentStore store = new LocalContentStore(root);
        String other = Digests.of("something else".getBytes(StandardCharsets.UTF_8));
        LayerdException e = assertThrows(LayerdException.class,
                () -> store.ingest("ref", new ByteArrayInputStream(BLOB), BLOB.length, other));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains(DIGEST), e.getMessage());
        assertEquals(0, entries(root.resolve("ingest")));
        assertEquals(0, entries(root.resolve("blobs/sha256")));
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(LayerdException.class, () -> store.info(other)).kind());
    }

    @Test
    void sizeMismatchIsRefusedAndLeavesNothing() throws IOException {
        LocalContentStore store = new LocalContentStore(root);
        LayerdException e = assertThrows(LayerdException.class,
                () -> store.ingest("ref", new ByteArrayInputStream(BLOB), BLOB.length + 1, DIGEST));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        assertEquals(0, entries(root.resolve("ingest")));
        assertEquals(0, entries(root.resolve("blobs/sha256")));
    }

    @Test
    void writerClosedWithoutCommitLeavesNothing() throws IOException {
        LocalContentStore store = new LocalContentStore(root);
        try (ContentWriter w = store.writer("ref", BLOB.length, DIGEST)) {
            w.write(BLOB, 0, 5);
        }
        assertEquals(0, entries(root.resolve("ingest")));
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(LayerdException.class, () -> store.open(DIGEST)).kind());
    }

    @Test
    void leftoverIngestsAreRemovedWhenTheStoreOpens() throws IOException {
        new LocalContentStore(root);
        Files.writeString(root.resolve("ingest/123.tmp"), "half a blob from a crashed writer");
        Files.createDirectories(root.resolve("ingest/old-ref"));
        Files.writeString(root.resolve("ingest/old-ref/data"), "x");

        new LocalContentStore(root);
        assertEquals(0, entries(root.resolve("ingest")));
    }

    @Test
    void unknownAndMalformedDigests() {
        LocalContentStore store = new LocalContentStore(root);
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(LayerdException.class, () -> store.info(DIGEST)).kind());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(LayerdException.class, () -> store.delete(DIGEST)).kind());
        LayerdException e = assertThrows(LayerdException.class, () -> store.info("sha256:../../etc/passwd"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void deleteRemovesTheBlob() {
        LocalContentStore store = new LocalContentStore(root);
        store.ingest("ref", new ByteArrayInputStream(BLOB), BLOB.length, DIGEST);
        store.delete(DIGEST);
        assertFalse(Files.exists(store.blobPath(DIGEST)));
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
