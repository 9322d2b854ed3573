package io.layerd.cimfs.nativeapi;

import io.layerd.cimfs.image.CimReader;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.cimfs.wclayer.ReparsePoint;
import io.layerd.cimfs.wclayer.WindowsLayerImporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same Windows layer import drives CimFS.dll (here the recorder library in its place) and the
 * portable writer: the forked image, the deletion a whiteout asks for, files with their metadata and
 * bytes, alternate streams, hard links and reparse points reach the DLL as the portable writer
 * records them.
 */
class NativeLayerImportTest {
    @TempDir
    Path dir;

    private static byte[] childTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
            b.whiteout("Files/gone.txt");
            b.file("Files/b.bin", 3000, 5, 0x20, Map.of("USER.X", new byte[]{1}))
                    .stream("Files/b.bin", "Zone.Identifier", "zone".getBytes(StandardCharsets.US_ASCII), false)
                    .hardLink("Files/b-link.bin", "Files/b.bin")
                    .symlink("Files/link", "C:\\Windows", false, true);
        }
        return out.toByteArray();
    }

    private static byte[] baseTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
            b.directory("Files", 0).file("Files/gone.txt", 3, 1, 0, Map.of());
        }
        return out.toByteArray();
    }

    @Test
    void oneImportDrivesBothWriters() throws IOException {
        byte[] child = childTar();
        NativeRecorder recorder = NativeRecorder.start(dir);
        WindowsLayerImporter nativeImport = new WindowsLayerImporter(new NativeCimWriters(NativeRecorder.libraries().writer()), Optional.empty());
        Path layer = Files.createDirectories(dir.resolve("native/2"));
        nativeImport.importLayer(new ByteArrayInputStream(child), new WindowsLayerImporter.Target(dir.resolve("native"), "2.cim", "1.cim",
                layer, null));
        assertEquals(List.of("CimCreateImage", "CimDeletePath", "CimCreateFile", "CimWriteStream", "CimCloseStream",
                "CimCreateAlternateStream", "CimWriteStream", "CimCloseStream", "CimCreateHardLink", "CimCreateFile", "CimCloseStream",
                "CimCommitImage", "CimCloseImage"), recorder.functions());
        assertEquals("1.cim", recorder.only("CimCreateImage").string("existing"));
        assertEquals("2.cim", recorder.only("CimCreateImage").string("name"));
        assertEquals("Files\\gone.txt", recorder.only("CimDeletePath").string("path"));
        assertEquals("Files\\b.bin:Zone.Identifier", recorder.only("CimCreateAlternateStream").string("path"));
        assertEquals(4, recorder.only("CimCreateAlternateStream").number("size"));
        assertEquals("Files\\b-link.bin", recorder.only("CimCreateHardLink").string("new"));
        assertEquals("Files\\b.bin", recorder.only("CimCreateHardLink").string("old"));
        List<NativeRecorder.Call> files = recorder.all("CimCreateFile");
        assertEquals(3000, files.get(0).number("size"));
        assertEquals(0x410, files.get(1).number("attributes"), "a directory symlink: directory + reparse point");
        assertArrayEquals(new ReparsePoint("C:\\Windows", false).encode(), files.get(1).bytes("reparse"));

        // The portable writer, given the same tars by the same importer, holds what the DLL was asked for.
        Path portable = Files.createDirectories(dir.resolve("portable"));
        WindowsLayerImporter portableImport = new WindowsLayerImporter(CimWriterFactory.PORTABLE, Optional.empty());
        portableImport.importLayer(new ByteArrayInputStream(baseTar()),
                new WindowsLayerImporter.Target(portable, "1.cim", null, Files.createDirectories(portable.resolve("1")), null));
        portableImport.importLayer(new ByteArrayInputStream(child),
                new WindowsLayerImporter.Target(portable, "2.cim", "1.cim", Files.createDirectories(portable.resolve("2")), null));
        try (CimReader r = CimReader.open(portable.resolve("2.cim"))) {
            assertEquals(Optional.empty(), r.lookup("Files\\gone.txt").map(f -> f.id()));
            var b = r.lookup("Files\\b.bin").orElseThrow();
            assertEquals(files.get(0).number("attributes"), b.entry().attributes());
            assertEquals(files.get(0).number("lastWrite"), b.entry().lastWriteTime());
            assertArrayEquals(files.get(0).bytes("sd"), r.securityDescriptor(b));
            assertArrayEquals(files.get(0).bytes("ea"), r.extendedAttributes(b));
            assertEquals(b.id(), r.lookup("Files\\b-link.bin").orElseThrow().id());
            assertEquals(4, r.alternateStreams(b).get("Zone.Identifier").size());
            assertArrayEquals(files.get(1).bytes("reparse"), r.reparseData(r.lookup("Files\\link").orElseThrow()));
        }
    }
}
