package io.layerd.cimfs.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An image named by its input's digest (a layer's diffID) instead of a hash of every file byte. */
class InputIdentifiedCimTest {
    @TempDir
    Path dir;

    private List<Path> write(String name, byte[] content, byte[] inputDigest) throws IOException {
        try (PortableCimWriter w = PortableCimWriter.create(dir, name)) {
            w.identifiedByInput();
            w.createFile("Files", new CimFileMetadata(CimFileMetadata.FILE_ATTRIBUTE_DIRECTORY, 0, 1, 2, 3, 4, null, null, null)).close();
            try (OutputStream o = w.createFile("Files/a.bin", new CimFileMetadata(0x20, content.length, 1, 2, 3, 4, null, null, null))) {
                o.write(content);
            }
            w.commit(inputDigest);
        }
        return CimFiles.ownFiles(dir.resolve(name));
    }

    @Test
    void sameInputSameRegionsOtherInputOtherRegions() throws IOException {
        List<Path> a = write("a.cim", new byte[]{1, 2, 3}, new byte[]{9, 9});
        List<Path> b = write("b.cim", new byte[]{1, 2, 3}, new byte[]{9, 9});
        List<Path> c = write("c.cim", new byte[]{1, 2, 4}, new byte[]{9, 8});
        assertEquals(a.subList(1, a.size()), b.subList(1, b.size()), "the same input names the same regions");
        assertNotEquals(a.get(1), c.get(1), "another input, other region names: nothing is overwritten");
        try (CimReader r = CimReader.open(dir.resolve("c.cim"))) {
            assertEquals(3, r.lookup("Files/a.bin").orElseThrow().entry().defaultStream().size());
        }
        assertEquals(Files.size(a.get(1)), Files.size(c.get(1)));
        CimFiles.destroy(dir.resolve("a.cim"));
        b.forEach(p -> assertTrue(Files.exists(p), p + ": still listed by b.cim, so kept"));
        CimFiles.destroy(dir.resolve("b.cim"));
        b.forEach(p -> assertTrue(Files.notExists(p), p + ": listed by no image any more"));
    }

    @Test
    void misuseIsRefused() throws IOException {
        try (PortableCimWriter w = PortableCimWriter.create(dir, "x.cim")) {
            w.identifiedByInput();
            assertThrows(IllegalStateException.class, w::commit, "the input digest is needed");
        }
        try (PortableCimWriter w = PortableCimWriter.create(dir, "y.cim")) {
            try (OutputStream o = w.createFile("a", new CimFileMetadata(0, 1, 0, 0, 0, 0, null, null, null))) {
                o.write(1);
            }
            assertThrows(IllegalStateException.class, w::identifiedByInput, "too late: a file's bytes were not hashed");
            assertThrows(IllegalStateException.class, () -> w.commit(new byte[]{1}));
        }
    }
}
