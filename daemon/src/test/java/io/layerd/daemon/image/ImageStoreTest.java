package io.layerd.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.LayerdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

class ImageStoreTest {
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path root;

    private static ImageRecord record(String name, char digit) {
        String digest = "sha256:" + String.valueOf(digit).repeat(64);
        return new ImageRecord(name, new Descriptor(MANIFEST, digest, 1234, null), digest, "lcow", "sha256:" + "c".repeat(64),
                Instant.parse("2026-11-24T10:00:00Z"));
    }

    @Test
    void recordsRoundTripAndAReImportReplacesTheRecordOfItsName() throws IOException {
        ImageStore store = ImageStore.ofRoot(root);
        assertEquals(List.of(), store.list(), "no images directory yet");
        store.put(record("docker.io/library/alpine:3", 'a'));
        store.put(record("example.com/x/y:latest", 'b'));
        store.put(record("docker.io/library/alpine:3", 'd'));

        List<ImageRecord> all = store.list();
        assertEquals(List.of("docker.io/library/alpine:3", "example.com/x/y:latest"), all.stream().map(ImageRecord::name).toList());
        assertEquals(record("docker.io/library/alpine:3", 'd'), all.get(0));
        assertEquals(Optional.of(record("example.com/x/y:latest", 'b')), store.get("example.com/x/y:latest"));
        assertEquals(Optional.empty(), store.get("not/imported:1"));
        try (Stream<Path> files = Files.list(root.resolve("images"))) {
            assertEquals(2, files.count(), "one file per name, no temporary file left");
        }
    }

    @Test
    void oldLeftoversOfInterruptedWritesAreRemovedRecentOnesKept() throws IOException {
        ImageStore store = ImageStore.ofRoot(root);
        store.put(record("a:1", 'a'));
        Path images = root.resolve("images");
        Path old = Files.writeString(images.resolve(".0123.json.tmp-dead"), "{\"name\":");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        Path recent = Files.writeString(images.resolve(".4567.json.tmp-busy"), "{\"name\":");

        assertEquals(1, store.list().size(), "leftovers are not records");
        assertFalse(Files.exists(old), "an hour-old leftover is garbage");
        assertTrue(Files.exists(recent), "a fresh one may belong to an import still running");
    }

    @Test
    void aDamagedRecordIsReportedWithItsFile() throws IOException {
        ImageStore store = ImageStore.ofRoot(root);
        store.put(record("a:1", 'a'));
        Path file;
        try (Stream<Path> files = Files.list(root.resolve("images"))) {
            file = files.findFirst().orElseThrow();
        }
        Files.writeString(file, "{\"name\":\"a:1\"}");
        LayerdException e = assertThrows(LayerdException.class, store::list);
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("import the image again"), e.getMessage());
    }
}
