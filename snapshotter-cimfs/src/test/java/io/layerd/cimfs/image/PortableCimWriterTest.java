package io.layerd.cimfs.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.cimfs.format.CimFormatException;
import io.layerd.cimfs.format.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/** layerd's CIM writer, read back by layerd's CIM reader. */
class PortableCimWriterTest {
    private static final byte[] SD = {1, 0, 4, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] EA = {0, 0, 0, 0, 0, 4, 5, 0, 'U', 'S', 'E', 'R', 0, 'h', 'e', 'l', 'l', 'o'};
    /** IO_REPARSE_TAG_SYMLINK with a made-up body: the format stores it verbatim. */
    private static final byte[] REPARSE = {0x0C, 0, 0, (byte) 0xA0, 4, 0, 0, 0, 1, 2, 3, 4};

    @TempDir
    Path dir;

    private static CimFileMetadata dir(long time) {
        return new CimFileMetadata(CimFileMetadata.FILE_ATTRIBUTE_DIRECTORY, 0, time, time + 1, time + 2, time + 3, SD, null, null);
    }

    private static CimFileMetadata file(int attributes, long size, byte[] reparse, byte[] ea) {
        return new CimFileMetadata(attributes, size, 11, 22, 33, 44, SD, reparse, ea);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void writeImage(String name) throws IOException {
        try (PortableCimWriter w = PortableCimWriter.create(dir, name)) {
            w.createFile("", dir(1));
            w.createFile("Files", dir(5));
            w.createFile("Files\\Windows", dir(6));
            try (OutputStream o = w.createFile("Files\\Windows\\notepad.exe", file(0x20 | 0x1, 10_000, null, EA))) {
                o.write(random(10_000, 1));
            }
            w.createFile("Files\\empty.txt", file(0x20, 0, null, null)).close();
            try (OutputStream o = w.createFile("Files/Small.TXT", file(0x2, 5, null, null))) {
                o.write("small".getBytes());
            }
            try (OutputStream o = w.createAlternateStream("Files\\Small.TXT:Zone.Identifier", 3)) {
                o.write("ads".getBytes());
            }
            w.createFile("Files\\link", file(0x20, 0, REPARSE, null)).close();
            w.createHardLink("Files\\Windows\\np-again.exe", "Files\\Windows\\notepad.exe");
            w.createFile("Files\\gone", dir(7));
            w.createFile("Files\\gone\\inner", file(0x20, 0, null, null)).close();
            w.deletePath("files\\GONE");
            w.commit();
        }
    }

    @Test
    void aWrittenImageReadsBackEntryByEntry() throws Exception {
        writeImage("layer.cim");
        try (CimReader r = CimReader.open(dir.resolve("layer.cim"))) {
            assertEquals(List.of("Files"), List.copyOf(r.list(r.root()).keySet()));
            CimReader.CimFile files = r.lookup("Files").orElseThrow();
            assertEquals(List.of("empty.txt", "link", "Small.TXT", "Windows"), List.copyOf(r.list(files).keySet()),
                    "case-insensitive order; the deleted directory is gone");
            CimReader.CimFile exe = r.lookup("FILES/windows/NOTEPAD.EXE").orElseThrow();
            assertEquals(0x20 | 0x1, exe.entry().attributes());
            assertEquals(10_000, exe.entry().defaultStream().size());
            assertArrayEquals(random(10_000, 1), read(r.open(exe)));
            assertEquals(List.of(11L, 22L, 33L, 44L), List.of(exe.entry().creationTime(), exe.entry().lastWriteTime(),
                    exe.entry().changeTime(), exe.entry().lastAccessTime()));
            assertArrayEquals(SD, r.securityDescriptor(exe));
            assertArrayEquals(EA, r.extendedAttributes(exe));
            assertEquals(exe.id(), r.lookup("Files\\Windows\\np-again.exe").orElseThrow().id(), "a hard link is the same file");
            CimReader.CimFile small = r.lookup("files\\small.txt").orElseThrow();
            assertEquals(FileEntry.FILE_ATTRIBUTE_HIDDEN, small.entry().attributes());
            assertArrayEquals("small".getBytes(), read(r.open(small)));
            var streams = r.alternateStreams(small);
            assertEquals(List.of("Zone.Identifier"), List.copyOf(streams.keySet()));
            assertArrayEquals("ads".getBytes(), read(r.open(streams.get("Zone.Identifier"))));
            assertEquals(0, read(r.open(r.lookup("Files\\empty.txt").orElseThrow())).length);
            CimReader.CimFile link = r.lookup("Files\\link").orElseThrow();
            assertArrayEquals(REPARSE, r.reparseData(link));
            assertEquals(0xA000000C, link.entry().reparseTag());
            assertTrue((link.entry().attributes() & FileEntry.FILE_ATTRIBUTE_REPARSE_POINT) != 0);
            assertEquals(FileEntry.FILE_ATTRIBUTE_DIRECTORY, r.lookup("Files").orElseThrow().entry().attributes());
            assertTrue(r.lookup("Files\\gone\\inner").isEmpty());
            assertTrue(r.lookup("Files\\Small.TXT\\below").isEmpty());
        }
    }

    @Test
    void aForkShowsTheParentsFilesMinusItsDeletionsPlusItsOwn() throws Exception {
        writeImage("parent.cim");
        try (PortableCimWriter w = PortableCimWriter.fork(dir, "parent.cim", "child.cim")) {
            w.deletePath("Files\\Small.TXT");
            try (OutputStream o = w.createFile("Files\\new.txt", file(0x20, 3, null, null))) {
                o.write("new".getBytes());
            }
            try (OutputStream o = w.createFile("Files\\Windows\\notepad.exe", file(0x20, 4, null, null))) {
                o.write("v2\r\n".getBytes());
            }
            w.commit();
        }
        try (CimReader child = CimReader.open(dir.resolve("child.cim"))) {
            CimReader.CimFile files = child.lookup("Files").orElseThrow();
            assertEquals(List.of("empty.txt", "link", "new.txt", "Windows"), List.copyOf(child.list(files).keySet()));
            assertArrayEquals("new".getBytes(), read(child.open(child.lookup("Files\\new.txt").orElseThrow())));
            assertArrayEquals("v2\r\n".getBytes(), read(child.open(child.lookup("Files\\Windows\\notepad.exe").orElseThrow())));
            CimReader.CimFile old = child.lookup("Files\\Windows\\np-again.exe").orElseThrow();
            assertArrayEquals(random(10_000, 1), read(child.open(old)), "the other name keeps the parent's data, read from its region");
            assertArrayEquals(SD, child.securityDescriptor(old));
            assertArrayEquals(REPARSE, child.reparseData(child.lookup("Files\\link").orElseThrow()));
        }
        try (CimReader parent = CimReader.open(dir.resolve("parent.cim"))) {
            assertTrue(parent.lookup("Files\\Small.TXT").isPresent(), "the parent is untouched");
            assertTrue(parent.lookup("Files\\new.txt").isEmpty());
        }
        try (PortableCimWriter w = PortableCimWriter.fork(dir, "child.cim", "grandchild.cim")) {
            w.createFile("Files\\third", dir(9));
            w.commit();
        }
        try (CimReader grandchild = CimReader.open(dir.resolve("grandchild.cim"))) {
            assertArrayEquals("new".getBytes(), read(grandchild.open(grandchild.lookup("Files\\new.txt").orElseThrow())), "the child's region");
            assertArrayEquals(random(10_000, 1), read(grandchild.open(grandchild.lookup("Files\\Windows\\np-again.exe").orElseThrow())),
                    "the grandparent's region");
            assertTrue(grandchild.lookup("Files\\third").orElseThrow().entry().isDirectory());
        }
        Files.delete(dir.resolve("parent.cim")); // the parent's regions, not its .cim, are what the fork needs
        try (CimReader child = CimReader.open(dir.resolve("child.cim"))) {
            assertEquals(4, child.list(child.lookup("Files").orElseThrow()).size());
        }
    }

    @Test
    void theSameInputGivesTheSameFiles() throws Exception {
        writeImage("a.cim");
        Path first = dir.resolve("first");
        Files.createDirectories(first);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                Files.move(p, first.resolve(p.getFileName()));
            }
        }
        writeImage("a.cim");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> second = files.filter(Files::isRegularFile).sorted().toList();
            assertEquals(5, second.size(), "a .cim, two regions, two objectid files: " + second);
            for (Path p : second) {
                assertArrayEquals(Files.readAllBytes(first.resolve(p.getFileName())), Files.readAllBytes(p), p.getFileName().toString());
            }
        }
    }

    @Test
    void misuseIsAnErrorAndAnUncommittedImageLeavesNothing() throws Exception {
        try (PortableCimWriter w = PortableCimWriter.create(dir, "bad.cim")) {
            assertThrows(IOException.class, () -> w.createFile("missing\\file", file(0x20, 0, null, null)), "no parent");
            assertThrows(IOException.class, () -> w.createFile("a:b", file(0x20, 0, null, null)), "':' is not allowed in a name");
            assertThrows(IOException.class, () -> w.createHardLink("x", "nothing"), "link to a missing target");
            assertThrows(IOException.class, () -> w.createAlternateStream("nothing:s", 1), "a stream without its file");
            OutputStream o = w.createFile("short", file(0x20, 10, null, null));
            o.write(new byte[3]);
            assertThrows(IOException.class, () -> w.createFile("next", file(0x20, 0, null, null)), "one stream at a time");
            assertThrows(IOException.class, o::close, "closed with 3 of 10 bytes");
            OutputStream p = w.createFile("long", file(0x20, 2, null, null));
            assertThrows(IOException.class, () -> p.write(new byte[3]));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "nothing of an uncommitted image stays");
        }
    }

    @Test
    void aDamagedImageIsAFormatErrorNamingWhatIsWrong() throws Exception {
        writeImage("layer.cim");
        Path region0;
        try (Stream<Path> files = Files.list(dir)) {
            region0 = files.filter(p -> p.getFileName().toString().startsWith("region_") && p.getFileName().toString().endsWith("_0"))
                    .findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(region0);
        Files.write(region0, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CimFormatException e = assertThrows(CimFormatException.class, () -> CimReader.open(dir.resolve("layer.cim")).close());
        assertTrue(e.getMessage().contains("run past") || e.getMessage().contains("ends early"), e.getMessage());
        Files.delete(region0);
        e = assertThrows(CimFormatException.class, () -> CimReader.open(dir.resolve("layer.cim")));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    private static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
