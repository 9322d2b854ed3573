package io.layerd.cimfs.wclayer;

import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.core.tar.TarWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad layer tars: one clear error naming the entry, and no CIM, region file or staged host file left. */
class WindowsLayerImportFailuresTest {
    @TempDir
    Path dir;

    interface Bad {
        void write(WindowsLayerTarBuilder b) throws IOException;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> badTars() {
        return Stream.of(
                Arguments.of("bad base64 in a security descriptor", "Files/sd.txt", "MSWINDOWS.rawsd is not valid base64",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/sd.txt", 1), Map.of("MSWINDOWS.rawsd", utf8("AQA*!")), new byte[1])),
                Arguments.of("bad base64 in an EA", "Files/ea.txt", "MSWINDOWS.xattr.USER.X is not valid base64",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/ea.txt", 0), Map.of("MSWINDOWS.xattr.USER.X", utf8("%%%")), new byte[0])),
                Arguments.of("attributes that are not a number", "Files/attr.txt", "MSWINDOWS.fileattr \"0x20\" is not a decimal number",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/attr.txt", 0), Map.of("MSWINDOWS.fileattr", utf8("0x20")), new byte[0])),
                Arguments.of("attributes over 32 bits", "Files/attr.txt", "4294967296 is not a 32-bit attribute set",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/attr.txt", 0), Map.of("MSWINDOWS.fileattr", utf8("4294967296")), new byte[0])),
                Arguments.of("a file marked as a directory", "Files/attr.txt", "has FILE_ATTRIBUTE_DIRECTORY for a file",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/attr.txt", 0), Map.of("MSWINDOWS.fileattr", utf8("16")), new byte[0])),
                Arguments.of("a creation time that is not a time", "Files/t.txt", "LIBARCHIVE.creationtime \"yesterday\"",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/t.txt", 0), Map.of("LIBARCHIVE.creationtime", utf8("yesterday")), new byte[0])),
                Arguments.of("a security descriptor that is not one", "Files/sd.txt", "not a self-relative security descriptor",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/sd.txt", 0), Map.of("MSWINDOWS.rawsd", utf8("AAAA")), new byte[0])),
                Arguments.of("an alternate stream without its file", "Files/gone.txt:Zone.Identifier", "must follow its file",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/gone.txt:Zone.Identifier", 2), Map.of(), new byte[2])),
                Arguments.of("an alternate stream of another type", "Files/a.txt:s:$INDEX_ALLOCATION", "other than $DATA",
                        (Bad) b -> b.file("Files/a.txt", 1, 1, 0, Map.of())
                                .raw(TarWriter.Entry.file("Files/a.txt:s:$INDEX_ALLOCATION", 0), Map.of(), new byte[0])),
                Arguments.of("a hard link to a missing target", "Files/link.txt", "does not exist",
                        (Bad) b -> b.raw(TarWriter.Entry.hardLink("Files/link.txt", "Files/missing.txt"), Map.of(), new byte[0])),
                Arguments.of("a name NTFS forbids", "Files/a<b>.txt", "a character NTFS forbids",
                        (Bad) b -> b.file("Files/a<b>.txt", 3, 1, 0, Map.of())),
                Arguments.of("a name escaping the layer", "Files/../../etc/passwd", "would leave the layer",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/../../etc/passwd", 0), Map.of(), new byte[0])),
                Arguments.of("a device node", "Files/dev", "has no place in a Windows layer",
                        (Bad) b -> b.raw(TarWriter.Entry.charDevice("Files/dev", 1, 3), Map.of(), new byte[0])),
                Arguments.of("a whiteout in a base layer", "Files/.wh.x", "a base layer has nothing to delete",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/.wh.x", 0), Map.of(), new byte[0])),
                Arguments.of("EAs over 64 KiB in all", "Files/big-eas.txt", "a file holds at most 65535",
                        (Bad) b -> b.file("Files/big-eas.txt", 1, 1, 0, Map.of("A", new byte[40_000], "B", new byte[40_000]))),
                Arguments.of("a security descriptor over 64 KiB", "Files/big-sd.txt", "a descriptor holds at most 65535",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/big-sd.txt", 0), Map.of("MSWINDOWS.rawsd",
                                utf8(java.util.Base64.getEncoder().encodeToString(new byte[70_000]))), new byte[0])),
                Arguments.of("a creation time with an exponent", "Files/t.txt", "LIBARCHIVE.creationtime \"1e100000000\"",
                        (Bad) b -> b.raw(TarWriter.Entry.file("Files/t.txt", 0), Map.of("LIBARCHIVE.creationtime", utf8("1e100000000")), new byte[0])),
                Arguments.of("a file inside a missing directory", "Files/nodir/x.txt", "does not exist",
                        (Bad) b -> b.file("Files/nodir/x.txt", 3, 1, 0, Map.of())));
    }

    private static byte[] tar(Bad bad) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
            b.directory("Files", 0).directory("Files/Windows", 0).directory("Files/Windows/System32", 0)
                    .directory("Files/Windows/System32/config", 0).file("Files/Windows/System32/config/SYSTEM", 10, 1, 0, Map.of())
                    .file("Files/good.bin", 100_000, 2, 0, Map.of());
            bad.write(b);
            b.file("Files/after.bin", 5, 3, 0, Map.of());
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTars")
    void badEntryIsNamedAndNothingIsLeft(String what, String entry, String problem, Bad bad) throws IOException {
        assertFailsLeavingNothing(tar(bad), entry, problem);
    }

    @org.junit.jupiter.api.Test
    void truncatedTarNamesTheEntryItEndsIn() throws IOException {
        byte[] whole = tar(b -> b.file("Files/cut.bin", 50_000, 9, 0, Map.of()));
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 1024 - 512 - 512 - 30_000); // end blocks, after.bin, part of cut.bin
        assertFailsLeavingNothing(cut, "Files/cut.bin", "truncated");
    }

    private void assertFailsLeavingNothing(byte[] tar, String entry, String problem) throws IOException {
        Path layer = Files.createDirectories(dir.resolve("layer"));
        WindowsLayerImporter importer = new WindowsLayerImporter(CimWriterFactory.PORTABLE, Optional.empty());
        LayerImportException e = assertThrows(LayerImportException.class, () -> importer.importLayer(new ByteArrayInputStream(tar),
                new WindowsLayerImporter.Target(dir, "1.cim", null, layer, null)));
        assertEquals(entry, e.entry(), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("layer"), s.map(p -> p.getFileName().toString()).toList(), "only the (empty) layer directory is left");
        }
        try (Stream<Path> s = Files.list(layer)) {
            assertEquals(List.of(), s.toList(), "nothing staged is left");
        }
    }
}
