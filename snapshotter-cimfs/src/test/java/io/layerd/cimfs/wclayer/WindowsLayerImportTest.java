package io.layerd.cimfs.wclayer;

import io.layerd.cimfs.image.CimFiles;
import io.layerd.cimfs.image.CimReader;
import io.layerd.cimfs.image.CimReader.CimFile;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.testing.CimAssertions;
import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.core.io.ProducerInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.layerd.cimfs.testing.WindowsLayerTarBuilder.FILE_ATTRIBUTE_ARCHIVE;
import static io.layerd.cimfs.testing.WindowsLayerTarBuilder.FILE_ATTRIBUTE_HIDDEN;
import static io.layerd.cimfs.testing.WindowsLayerTarBuilder.FILE_ATTRIBUTE_NORMAL;
import static io.layerd.cimfs.testing.WindowsLayerTarBuilder.FILE_ATTRIBUTE_READONLY;
import static io.layerd.cimfs.testing.WindowsLayerTarBuilder.FILE_ATTRIBUTE_SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Windows layer tars → CIM through the portable writer → CimReader: equal entry by entry. */
class WindowsLayerImportTest {
    private static final Set<String> BASE_EXTRAS = Set.of("Hives", "layout", "Hives/SYSTEM_BASE", "Hives/SOFTWARE_BASE",
            "Hives/SAM_BASE", "Hives/SECURITY_BASE", "Hives/DEFAULTUSER_BASE");

    @TempDir
    Path dir;

    /** The base layer of the corpus: every entry kind, names, sizes, hives. */
    static void baseLayer(WindowsLayerTarBuilder b, long largeFileSize) throws IOException {
        b.directory("Files", 0).directory("Files/Windows", 0).directory("Files/Windows/System32", FILE_ATTRIBUTE_SYSTEM)
                .directory("Files/Windows/System32/config", 0);
        for (String hive : List.of("SYSTEM", "SOFTWARE", "SAM", "SECURITY", "DEFAULT")) {
            b.file("Files/Windows/System32/config/" + hive, ("regf " + hive).getBytes(StandardCharsets.US_ASCII), FILE_ATTRIBUTE_ARCHIVE);
        }
        // a hard link to a file that goes to the host directory too: made once that file is in the CIM
        b.hardLink("Files/Windows/System32/config/SYSTEM.copy", "Files/Windows/System32/config/SYSTEM");
        b.file("Files/empty.txt", 0, 1, FILE_ATTRIBUTE_NORMAL, Map.of());
        b.file("Files/one.bin", 1, 2, FILE_ATTRIBUTE_ARCHIVE, Map.of());
        b.file("Files/page-1.bin", 4095, 3, FILE_ATTRIBUTE_READONLY, Map.of());
        b.file("Files/page.bin", 4096, 4, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM, Map.of());
        b.file("Files/page+1.bin", 4097, 5, FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY, Map.of());
        b.file("Files/mebibyte.bin", (1 << 20) + 7, 6, FILE_ATTRIBUTE_ARCHIVE, Map.of());
        b.file("Files/zeros.bin", largeFileSize, 0, FILE_ATTRIBUTE_ARCHIVE, Map.of());
        b.file("Files/with-eas.dll", 300, 7, FILE_ATTRIBUTE_ARCHIVE,
                Map.of("$KERNEL.PURGE.ESBCACHE", new byte[]{1, 2, 3, 4, 5}, "USER.NOTE", "x".repeat(70).getBytes(StandardCharsets.US_ASCII)));
        b.file("Files/ads.txt", 10, 8, 0, Map.of())
                .stream("Files/ads.txt", "Zone.Identifier", "[ZoneTransfer]\r\nZoneId=3\r\n".getBytes(StandardCharsets.US_ASCII), false)
                .stream("Files/ads.txt", "empty", new byte[0], false)
                .stream("Files/ads.txt", "typed", new byte[5000], true);
        b.hardLink("Files/one-link.bin", "Files/one.bin").hardLink("Files/one-link2.bin", "Files/one.bin");
        b.symlink("Files/relative-link", "one.bin", false, false);
        b.symlink("Files/absolute-link", "C:\\Windows\\System32\\notepad.exe", false, false);
        b.symlink("Files/dir-link", "..\\Windows", false, true);
        b.symlink("Files/junction", "C:\\ProgramData", true, true);
        b.symlink("Files/unc-link", "\\\\server\\share\\x", false, false);
        // Names: non-ASCII from several scripts, a supplementary-plane character, and every kind of
        // case collision NTFS has (the later entry replaces the earlier; a directory keeps its first name).
        b.directory("Files/Ünïcödé", 0).file("Files/Ünïcödé/日本語のファイル.txt", 33, 9, 0, Map.of())
                .file("Files/Ünïcödé/Ελληνικά-σ.txt", 3, 10, 0, Map.of()).file("Files/Ünïcödé/ΕΛΛΗΝΙΚΆ-Σ.TXT", 4, 11, 0, Map.of())
                .file("Files/Ünïcödé/кириллица", 5, 12, 0, Map.of()).file("Files/Ünïcödé/КИРИЛЛИЦА", 6, 13, 0, Map.of())
                .file("Files/Ünïcödé/emoji-😀.txt", 7, 14, 0, Map.of()).file("Files/Ünïcödé/straße", 8, 15, 0, Map.of())
                .file("Files/Ünïcödé/STRASSE", 9, 16, 0, Map.of()).file("Files/Ünïcödé/ǆ", 10, 17, 0, Map.of())
                .file("Files/Ünïcödé/ǅ", 11, 18, 0, Map.of()).file("Files/Ünïcödé/é", 12, 19, 0, Map.of())
                .file("Files/Ünïcödé/É", 13, 20, 0, Map.of()).file("Files/Ünïcödé/ı", 14, 21, 0, Map.of())
                .file("Files/Ünïcödé/i", 15, 22, 0, Map.of()).file("Files/Ünïcödé/a b,c;d=e[f]{g}~!@#$%^&()'`+", 16, 23, 0, Map.of());
        b.directory("Files/Dir", 0).file("Files/Dir/inside.txt", 17, 24, 0, Map.of()).directory("Files/DIR", FILE_ATTRIBUTE_HIDDEN);
        b.file("Files/case.txt", 18, 25, 0, Map.of()).file("Files/CASE.TXT", 19, 26, 0, Map.of());
        b.directory("Files/many", 0);
        for (int i = 0; i < 2500; i++) {
            b.file("Files/many/" + Integer.toString(i * 7919, 36) + (i % 3 == 0 ? "-Mixed" : "-lower") + ".txt", i % 50, 100 + i, 0, Map.of());
        }
        b.directory("Files/deep", 0);
        StringBuilder deep = new StringBuilder("Files/deep");
        for (int i = 0; i < 40; i++) {
            deep.append("/level-").append(i);
            b.directory(deep.toString(), 0);
        }
        b.file(deep + "/" + "n".repeat(255), 20, 27, 0, Map.of());
    }

    private static byte[] tar(ExpectedLayer startingFrom, TarBody body, ExpectedLayer[] expectedOut) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, startingFrom)) {
            body.write(b);
            expectedOut[0] = b.expected();
        }
        return out.toByteArray();
    }

    interface TarBody {
        void write(WindowsLayerTarBuilder b) throws IOException;
    }

    private WindowsLayerImporter importer() {
        return new WindowsLayerImporter(CimWriterFactory.PORTABLE, Optional.empty());
    }

    @Test
    void baseLayerRoundTripsEntryByEntry() throws Exception {
        ExpectedLayer[] expected = new ExpectedLayer[1];
        byte[] tar = tar(new ExpectedLayer(), b -> baseLayer(b, 3 * (1 << 20) + 5), expected);
        Path layer = Files.createDirectories(dir.resolve("1"));
        WindowsLayerImporter.Result result = importer().importLayer(new ByteArrayInputStream(tar),
                new WindowsLayerImporter.Target(dir, "1.cim", null, layer, null));
        assertTrue(result.entries() > 2500, "entries counted: " + result.entries());
        assertEquals(List.of(), result.pendingHiveMerges());
        try (CimReader r = CimReader.open(dir.resolve("1.cim"))) {
            CimAssertions.assertMatches(r, expected[0], BASE_EXTRAS);
            CimAssertions.assertLookupsAndOrder(r);
            // Base-layer hives: Hives\<X>_BASE are the config hives themselves; the layout marker says so.
            for (String[] h : new String[][]{{"SYSTEM", "SYSTEM"}, {"DEFAULT", "DEFAULTUSER"}, {"SAM", "SAM"}}) {
                CimFile hive = r.lookup("Files\\Windows\\System32\\config\\" + h[0]).orElseThrow();
                assertEquals(hive.id(), r.lookup("Hives\\" + h[1] + "_BASE").orElseThrow().id(), h[1] + "_BASE links the hive");
            }
            try (InputStream in = r.open(r.lookup("layout").orElseThrow())) {
                assertEquals("vhd-with-hives\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
        // The host directory holds the hives for later merges, the same links, the marker — and nothing staged.
        assertEquals("regf SYSTEM", Files.readString(layer.resolve("Files/Windows/System32/config/SYSTEM")));
        assertTrue(Files.isSameFile(layer.resolve("Hives/DEFAULTUSER_BASE"), layer.resolve("Files/Windows/System32/config/DEFAULT")));
        assertEquals("vhd-with-hives\n", Files.readString(layer.resolve("layout")));
        assertEquals(List.of("Files", "Hives", "layout"), list(layer));
    }

    @Test
    void forkedLayerShowsParentMinusWhiteoutsPlusItsOwn() throws Exception {
        ExpectedLayer[] base = new ExpectedLayer[1];
        byte[] baseTar = tar(new ExpectedLayer(), b -> baseLayer(b, 8192), base);
        Path layer1 = Files.createDirectories(dir.resolve("1"));
        importer().importLayer(new ByteArrayInputStream(baseTar), new WindowsLayerImporter.Target(dir, "1.cim", null, layer1, null));
        ExpectedLayer[] child = new ExpectedLayer[1];
        byte[] childTar = tar(base[0].copy(), b -> {
            b.whiteout("Files/page.bin");
            b.whiteout("Files/deep/level-0");                 // a whole subtree
            b.whiteout("Files/ünïcödé/КИРИЛЛИЦА");           // named in another case than stored
            b.file("Files/one.bin", 40, 77, FILE_ATTRIBUTE_ARCHIVE, Map.of()); // replaced: its old links keep the old file
            b.directory("Files/new", 0).file("Files/new/added.txt", 5000, 78, 0, Map.of("USER.X", new byte[]{9}))
                    .stream("Files/new/added.txt", "s", new byte[]{1, 2, 3}, false);
            b.raw(io.layerd.core.tar.TarWriter.Entry.file("Files/.wh..wh..opq", 0), Map.of(), new byte[0]); // ignored
            b.directory("Hives", 0).file("Hives/SOFTWARE_DELTA", "first".getBytes(StandardCharsets.US_ASCII), 0)
                    .file("Hives/SOFTWARE_DELTA", "delta".getBytes(StandardCharsets.US_ASCII), 0); // the later entry wins
        }, child);
        Path layer2 = Files.createDirectories(dir.resolve("2"));
        WindowsLayerImporter.Result result = importer().importLayer(new ByteArrayInputStream(childTar),
                new WindowsLayerImporter.Target(dir, "2.cim", "1.cim", layer2, layer1));
        assertEquals(List.of("Hives\\SOFTWARE_DELTA"), result.pendingHiveMerges());
        assertEquals("delta", Files.readString(layer2.resolve("Hives/SOFTWARE_DELTA")));
        // The delta hive goes to the host directory for the merge (which needs Windows), and into the CIM.
        ExpectedLayer want = child[0];
        try (CimReader r = CimReader.open(dir.resolve("2.cim"))) {
            Set<String> extras = new java.util.HashSet<>(BASE_EXTRAS);
            extras.remove("Hives"); // the child's tar names it again: its metadata is the tar's now
            CimAssertions.assertMatches(r, want, extras);
            assertTrue(r.lookup("Files/page.bin").isEmpty() && r.lookup("Files/deep/level-0").isEmpty());
            assertTrue(r.lookup("Files/deep").isPresent());
        }
        try (CimReader parent = CimReader.open(dir.resolve("1.cim"))) {
            CimAssertions.assertMatches(parent, base[0], BASE_EXTRAS); // the parent is untouched
        }
        // The child owns only its own region files; the parent's stay the parent's.
        assertTrue(CimFiles.ownFiles(dir.resolve("2.cim")).stream().noneMatch(CimFiles.ownFiles(dir.resolve("1.cim"))::contains));
        assertEquals(List.of(), CimFiles.orphans(dir));
    }

    @Test
    void fileOver4GiBIsStreamedAndCostsNoDiskForItsZeros() throws Exception {
        long size = (4L << 30) + 4097;
        ExpectedLayer[] expected = new ExpectedLayer[1];
        Path layer = Files.createDirectories(dir.resolve("big"));
        try (InputStream tar = new ProducerInputStream("tar", out -> {
            try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
                b.directory("Files", 0).file("Files/big.vhdx", size, 0, FILE_ATTRIBUTE_ARCHIVE, Map.of())
                        .file("Files/after.txt", 100, 5, 0, Map.of());
                expected[0] = b.expected();
            }
        })) {
            importer().importLayer(tar, new WindowsLayerImporter.Target(dir, "big.cim", null, layer, null));
        }
        try (CimReader r = CimReader.open(dir.resolve("big.cim"))) {
            CimAssertions.assertMatches(r, expected[0], Set.of());
        }
        long allocated = CimFiles.usage(dir.resolve("big.cim")).size();
        assertTrue(allocated < (64L << 20), "zero pages are holes: " + allocated + " bytes allocated for a " + size + "-byte file");
    }

    private static List<String> list(Path p) throws IOException {
        List<String> names = new ArrayList<>();
        try (var s = Files.list(p)) {
            s.forEach(x -> names.add(x.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }
}
