package io.layerd.cimfs.image;

import io.layerd.cimfs.format.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Security descriptors, EA sets and reparse buffers are stored once per distinct content. */
class SharedObjectsTest {
    private static final byte[] SD_A = {1, 0, 4, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] SD_B = {1, 0, 4, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    private static final byte[] EA = {0, 0, 0, 0, 0, 1, 1, 0, 'A', 0, 7};
    private static final byte[] REPARSE = {0x0C, 0, 0, (byte) 0xA0, 0, 0, 0, 0};

    @TempDir
    Path dir;

    @Test
    void equalObjectsAreStoredOnce() throws IOException {
        try (PortableCimWriter w = PortableCimWriter.create(dir, "s.cim")) {
            w.createFile("a", new CimFileMetadata(0, 0, 0, 0, 0, 0, SD_A, REPARSE, EA)).close();
            w.createFile("b", new CimFileMetadata(0, 0, 0, 0, 0, 0, SD_A.clone(), REPARSE.clone(), EA.clone())).close();
            w.createFile("c", new CimFileMetadata(0, 0, 0, 0, 0, 0, SD_B, null, null)).close();
            w.commit();
        }
        try (CimReader r = CimReader.open(dir.resolve("s.cim"))) {
            FileEntry a = r.lookup("a").orElseThrow().entry();
            FileEntry b = r.lookup("b").orElseThrow().entry();
            FileEntry c = r.lookup("c").orElseThrow().entry();
            assertEquals(a.sdOffset(), b.sdOffset());
            assertEquals(a.eaOffset(), b.eaOffset());
            assertEquals(a.reparseOffset(), b.reparseOffset());
            assertNotEquals(a.sdOffset(), c.sdOffset());
            assertArrayEquals(SD_B, r.securityDescriptor(r.lookup("c").orElseThrow()));
            assertArrayEquals(EA, r.extendedAttributes(r.lookup("b").orElseThrow()));
            assertArrayEquals(REPARSE, r.reparseData(r.lookup("b").orElseThrow()));
        }
    }
}
