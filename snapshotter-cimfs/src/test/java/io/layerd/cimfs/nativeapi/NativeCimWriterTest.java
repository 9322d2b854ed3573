package io.layerd.cimfs.nativeapi;

import io.layerd.cimfs.format.CimGuid;
import io.layerd.cimfs.format.CommonHeader;
import io.layerd.cimfs.format.RegionSet;
import io.layerd.cimfs.image.CimFileMetadata;
import io.layerd.cimfs.image.CimImageWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NativeCimWriter} against the recorder: what reaches the DLL, in which order, with which handles. */
class NativeCimWriterTest {
    private static final int FILE = 0x20; // FILE_ATTRIBUTE_ARCHIVE
    private static final byte[] SD = {1, 0, 4, (byte) 0x84, 0x14, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0, 9, 8, 7};
    private static final byte[] REPARSE = {0x0C, 0, 0, (byte) 0xA0, 4, 0, 0, 0, 1, 2, 3, 4};
    private static final byte[] EA = {0, 0, 0, 0, 0, 4, 5, 0, 'U', 'S', 'E', 'R', 0, 'h', 'e', 'l', 'l', 'o'};
    private static final String NULL_DACL = "0100048000000000000000000000000000000000";

    @TempDir
    Path dir;
    private NativeRecorder recorder;
    private NativeCimWriters writers;

    @BeforeEach
    void start() throws IOException {
        recorder = NativeRecorder.start(dir);
        writers = new NativeCimWriters(NativeRecorder.libraries().writer());
    }

    private static CimFileMetadata file(long size) {
        return new CimFileMetadata(FILE, size, 11, 22, 33, 44, SD, null, null);
    }

    private static CimFileMetadata directory() {
        return new CimFileMetadata(CimFileMetadata.FILE_ATTRIBUTE_DIRECTORY, 0, 1, 2, 3, 4, SD, null, null);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String fnv(byte[] b, int off, int len) {
        return String.format("%016x", NativeRecorder.fnv1a(b, off, len));
    }

    @Test
    void aCommittedImageTakesTheDllsHandlesThroughEveryCall() throws IOException {
        Path layers = dir.resolve("cim-layers");
        byte[] data = "hello, cim".getBytes();
        try (NativeCimWriter w = writers.create(layers, "layer.cim")) {
            w.createFile("Files", directory()).close();
            try (OutputStream o = w.createFile("Files/hello.txt", file(data.length))) {
                o.write(data);
            }
            w.commit();
        }
        assertEquals(List.of("CimCreateImage", "CimCreateFile", "CimCloseStream", "CimCreateFile", "CimWriteStream", "CimCloseStream",
                "CimCommitImage", "CimCloseImage"), recorder.functions());
        List<NativeRecorder.Call> calls = recorder.calls();
        NativeRecorder.Call create = calls.get(0);
        assertEquals(layers.toString(), create.string("dir"));
        assertNull(create.string("existing"));
        assertEquals("layer.cim", create.string("name"));
        long image = create.pointer("handle");
        assertEquals(0x7a1100000001L, image);
        for (NativeRecorder.Call c : List.of(calls.get(1), calls.get(3), calls.get(6), calls.get(7))) {
            assertEquals(image, c.pointer("image"), c.toString());
        }
        // the directory's stream is closed at once; the file's stream carries the data and is closed after it
        assertEquals(calls.get(1).pointer("stream"), calls.get(2).pointer("stream"));
        long stream = calls.get(3).pointer("stream");
        assertEquals(0x5ea000000002L, stream);
        assertEquals(stream, calls.get(4).pointer("stream"));
        assertEquals(data.length, calls.get(4).number("size"));
        assertEquals(fnv(data, 0, data.length), calls.get(4).raw("fnv"));
        assertEquals(stream, calls.get(5).pointer("stream"));
        assertEquals("Files\\hello.txt", calls.get(3).string("path"));
    }

    @Test
    void fileMetadataArrivesAtTheDocumentedOffsets() throws IOException {
        CimFileMetadata m = new CimFileMetadata(0x00000A27, 0, 0x01D9_ABCD_1234_5678L, 0x01D9_ABCD_8765_4321L, 0x7FFF_0000_0000_0001L, -2L,
                SD, REPARSE, EA);
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            w.createFile("Files\\link", m).close();
        }
        NativeRecorder.Call c = recorder.only("CimCreateFile");
        assertEquals(0xA27, c.number("attributes"));
        assertEquals(0, c.number("size"));
        assertEquals(0x01D9_ABCD_1234_5678L, c.number("creation"));
        assertEquals(0x01D9_ABCD_8765_4321L, c.number("lastWrite"));
        assertEquals(0x7FFF_0000_0000_0001L, c.number("change"));
        assertEquals(-2L, c.number("lastAccess"));
        assertEquals(SD.length, c.number("sdSize"));
        assertArrayEquals(SD, c.bytes("sd"));
        assertEquals(REPARSE.length, c.number("reparseSize"));
        assertArrayEquals(REPARSE, c.bytes("reparse"));
        assertEquals(EA.length, c.number("eaSize"));
        assertArrayEquals(EA, c.bytes("ea"));
        assertEquals(0, c.number("pad"));
    }

    @Test
    void anEmptySecurityDescriptorBecomesTheNullDaclAndAbsentBuffersAreNull() throws IOException {
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            try (OutputStream o = w.createFile("Files\\a.txt", new CimFileMetadata(FILE, 1, 0, 0, 0, 0, new byte[0], null, null))) {
                o.write('x');
            }
        }
        NativeRecorder.Call c = recorder.only("CimCreateFile");
        assertEquals(20, c.number("sdSize"));
        assertEquals(NULL_DACL, HexFormat.of().formatHex(c.bytes("sd")));
        assertEquals(0, c.number("reparseSize"));
        assertTrue(c.isNull("reparse"));
        assertEquals(0, c.number("eaSize"));
        assertTrue(c.isNull("ea"));
    }

    @Test
    void dataGoesInChunksOfAtMostOneMebibyte() throws IOException {
        int size = 2 * NativeCimWriter.CHUNK + NativeCimWriter.CHUNK / 2 + 3;
        byte[] data = random(size, 7);
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            try (OutputStream o = w.createFile("big.bin", file(size))) {
                o.write(data, 0, size - 3); // one call: three chunks
                o.write(data[size - 3]);
                o.write(data, size - 2, 2);
            }
            w.commit();
        }
        List<NativeRecorder.Call> writes = recorder.all("CimWriteStream");
        int[] sizes = {NativeCimWriter.CHUNK, NativeCimWriter.CHUNK, NativeCimWriter.CHUNK / 2, 1, 2};
        assertEquals(sizes.length, writes.size());
        int offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(sizes[i], writes.get(i).number("size"));
            assertEquals(fnv(data, offset, sizes[i]), writes.get(i).raw("fnv"), "chunk " + i);
            offset += sizes[i];
        }
        assertEquals(size, recorder.only("CimCreateFile").number("size"));
    }

    @Test
    void aStreamTakesExactlyItsDeclaredSize() throws IOException {
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            OutputStream o = w.createFile("Files\\five.txt", file(5));
            o.write(new byte[4]);
            IOException past = assertThrows(IOException.class, () -> o.write(new byte[2]));
            assertEquals("\"Files\\five.txt\": more than its declared 5 bytes", past.getMessage());
            IOException shortClose = assertThrows(IOException.class, o::close);
            assertEquals("\"Files\\five.txt\": closed after 4 of its declared 5 bytes", shortClose.getMessage());
            // the native stream was closed all the same, and only the 4 accepted bytes were passed on
            assertEquals(recorder.only("CimCreateFile").pointer("stream"), recorder.only("CimCloseStream").pointer("stream"));
            assertEquals(4, recorder.only("CimWriteStream").number("size"));
            IOException afterClose = assertThrows(IOException.class, () -> o.write(1));
            assertEquals("\"Files\\five.txt\": the stream is closed", afterClose.getMessage());
        }
    }

    @Test
    void oneStreamAtATime() throws IOException {
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            OutputStream o = w.createFile("a.txt", file(1));
            IOException e = assertThrows(IOException.class, () -> w.createFile("b.txt", file(1)));
            assertEquals("b.txt: the stream of \"a.txt\" is still open (one stream at a time)", e.getMessage());
            assertThrows(IOException.class, () -> w.createHardLink("c.txt", "a.txt"));
            assertThrows(IOException.class, w::commit);
            o.write('a');
            o.close();
            w.createHardLink("c.txt", "a.txt");
        }
        assertEquals(1, recorder.all("CimCreateFile").size());
    }

    @Test
    void pathsReachTheDllBackslashSeparatedWithoutTrailingSeparator() throws IOException {
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            w.createFile("Files/Ünïcødé/", directory()).close();
            w.createFile("\\Files\\😀 𝄞", directory()).close();
            try (OutputStream o = w.createAlternateStream("Files/a.txt:Zone.Identifier", 3)) {
                o.write("ads".getBytes());
            }
            w.createAlternateStream("Files\\a.txt:empty", 0).close();
            w.createHardLink("Files/b.txt", "Files/a.txt");
            w.deletePath("Files/old/");
            w.tombstone("Files/gone.txt");
            w.createMergeLink("Files/c.txt", "Files\\a.txt");
            assertThrows(IOException.class, () -> w.createAlternateStream("Files/a.txt", 1));
            assertThrows(IOException.class, () -> w.createAlternateStream(":stream", 1));
            assertThrows(IOException.class, () -> w.deletePath("Files/a\0b"));
        }
        assertEquals(List.of("Files\\Ünïcødé", "\\Files\\😀 𝄞"), recorder.all("CimCreateFile").stream().map(c -> c.string("path")).toList());
        List<NativeRecorder.Call> ads = recorder.all("CimCreateAlternateStream");
        assertEquals("Files\\a.txt:Zone.Identifier", ads.get(0).string("path"));
        assertEquals(3, ads.get(0).number("size"));
        assertEquals(0, ads.get(1).number("size"));
        assertEquals(ads.get(0).pointer("stream"), recorder.all("CimWriteStream").get(0).pointer("stream"));
        NativeRecorder.Call link = recorder.only("CimCreateHardLink");
        assertEquals("Files\\b.txt", link.string("new"));
        assertEquals("Files\\a.txt", link.string("old"));
        assertEquals("Files\\old", recorder.only("CimDeletePath").string("path"));
        assertEquals("Files\\gone.txt", recorder.only("CimTombstoneFile").string("path"));
        assertEquals("Files\\c.txt", recorder.only("CimCreateMergeLink").string("new"));
        assertEquals("Files\\a.txt", recorder.only("CimCreateMergeLink").string("old"));
        assertEquals(List.of("CimCreateImage", "CimCreateFile", "CimCloseStream", "CimCreateFile", "CimCloseStream", "CimCreateAlternateStream",
                "CimWriteStream", "CimCloseStream", "CimCreateAlternateStream", "CimCloseStream", "CimCreateHardLink", "CimDeletePath",
                "CimTombstoneFile", "CimCreateMergeLink", "CimCloseImage"), recorder.functions());
    }

    @Test
    void aForkNamesItsParentAndItsNewName() throws IOException {
        try (CimImageWriter w = writers.fork(dir, "parent.cim", "child.cim")) {
            w.commit();
        }
        NativeRecorder.Call c = recorder.only("CimCreateImage");
        assertEquals(dir.toString(), c.string("dir"));
        assertEquals("parent.cim", c.string("existing"));
        assertEquals("child.cim", c.string("name"));
        assertThrows(IllegalArgumentException.class, () -> writers.fork(dir, "same.cim", "same.cim"));
        assertThrows(IllegalArgumentException.class, () -> writers.create(dir, "sub\\x.cim"));
    }

    @Test
    void creationFlagsGoThroughCimCreateImage2AndMergesThroughAddFs() throws IOException {
        Path block = dir.resolve("merged.bcim");
        try (NativeCimWriter w = writers.create(block, "merged.cim", CimFsFlags.CREATE_SINGLE_FILE_CIM | CimFsFlags.CREATE_CONSISTENT_CIM)) {
            w.addFsToMergedImage(dir.resolve("top.bcim"), CimFsFlags.MERGE_SINGLE_FILE);
            w.addFsToMergedImage(dir.resolve("base.cim"));
            w.commit();
        }
        NativeRecorder.Call c = recorder.only("CimCreateImage2");
        assertEquals(block.toString(), c.string("dir"));
        assertEquals(0x18, c.number("flags"));
        assertNull(c.string("existing"));
        assertEquals("merged.cim", c.string("name"));
        assertEquals(dir.resolve("top.bcim").toString(), recorder.only("CimAddFsToMergedImage2").string("path"));
        assertEquals(CimFsFlags.MERGE_SINGLE_FILE, recorder.only("CimAddFsToMergedImage2").number("flags"));
        assertEquals(dir.resolve("base.cim").toString(), recorder.only("CimAddFsToMergedImage").string("path"));
        assertFalse(Files.exists(block), "a block CIM's file is the DLL's to create");
        try (NativeCimWriter w = writers.fork(dir, "a.cim", "b.cim", CimFsFlags.CREATE_NONE)) {
            w.commit();
        }
        assertEquals("a.cim", recorder.all("CimCreateImage2").get(1).string("existing"));
    }

    @Test
    void aFailingHresultBecomesAnExceptionNamingFunctionAndPath() throws IOException {
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            recorder.nextResult("CimCreateFile", 0x80070005);
            CimFsException e = assertThrows(CimFsException.class, () -> w.createFile("Files/a.txt", file(1)));
            assertEquals("CimCreateFile(Files\\a.txt) failed: HRESULT 0x80070005 (Win32 error 5)", e.getMessage());
            assertEquals(0x80070005, e.hresult());
            assertEquals(5, e.win32Error().getAsInt());
            assertEquals("CimCreateFile", e.function());
            assertEquals("Files\\a.txt", e.subject());
            // no stream was opened, so the writer goes on
            w.createFile("Files/b.txt", file(0)).close();
            OutputStream o = w.createFile("Files/c.txt", file(2));
            recorder.nextResult("CimWriteStream", 0x80070070); // ERROR_DISK_FULL
            CimFsException full = assertThrows(CimFsException.class, () -> o.write(new byte[2]));
            assertEquals("CimWriteStream(Files\\c.txt) failed: HRESULT 0x80070070 (Win32 error 112)", full.getMessage());
            IOException shortClose = assertThrows(IOException.class, o::close);
            assertEquals("\"Files\\c.txt\": closed after 0 of its declared 2 bytes", shortClose.getMessage());
        }
        recorder.nextResult("CimCommitImage", 0x8000FFFF);
        try (NativeCimWriter w = writers.create(dir, "b.cim")) {
            CimFsException e = assertThrows(CimFsException.class, w::commit);
            assertEquals("CimCommitImage(" + dir.resolve("b.cim") + ") failed: HRESULT 0x8000FFFF", e.getMessage());
            assertTrue(e.win32Error().isEmpty());
        }
        recorder.nextResult("CimCreateImage", 0x80070020); // ERROR_SHARING_VIOLATION
        CimFsException e = assertThrows(CimFsException.class, () -> writers.fork(dir, "b.cim", "c.cim"));
        assertEquals("CimCreateImage(" + dir + ", b.cim -> c.cim) failed: HRESULT 0x80070020 (Win32 error 32)", e.getMessage());
    }

    @Test
    void sFalseIsSuccess() throws IOException {
        recorder.nextResult("CimCreateImage", CimFsException.S_FALSE);
        recorder.nextResult("CimCreateFile", CimFsException.S_FALSE);
        recorder.nextResult("CimCommitImage", CimFsException.S_FALSE);
        try (NativeCimWriter w = writers.create(dir, "a.cim")) {
            try (OutputStream o = w.createFile("a.txt", file(1))) {
                o.write(1);
            }
            w.commit();
        }
        assertEquals(List.of(1, 1, 0, 0, 1, 0), recorder.calls().stream().map(NativeRecorder.Call::result).toList());
        assertEquals(recorder.only("CimCreateImage").pointer("handle"), recorder.only("CimCommitImage").pointer("image"));
    }

    @Test
    void closingWithoutCommitDiscardsTheImageAndWhatTheDllLeft() throws IOException {
        CimGuid own = new CimGuid(UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        RegionSet ownRegions = new RegionSet(own, 2);
        RegionSet other = new RegionSet(new CimGuid(UUID.fromString("11111111-2222-3333-4444-555555555555")), 1);
        NativeCimWriter w = writers.create(dir, "a.cim");
        OutputStream o = w.createFile("a.txt", file(10));
        o.write(1);
        // as if the DLL had already written this image's header and regions
        ByteBuffer header = ByteBuffer.allocate(72);
        CommonHeader header3 = new CommonHeader(72, CommonHeader.FileType.IMAGE, 3, 0); // the format the DLL writes today
        header3.write(header);
        ownRegions.write(header);
        Files.write(dir.resolve("a.cim"), header.array());
        List<Path> leftovers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            leftovers.add(Files.writeString(dir.resolve(ownRegions.regionFile(i)), "r"));
            leftovers.add(Files.writeString(dir.resolve(ownRegions.objectIdFile(i)), "o"));
        }
        Path othersRegion = Files.writeString(dir.resolve(other.regionFile(0)), "another image's");
        w.close();
        assertEquals(List.of("CimCreateImage", "CimCreateFile", "CimWriteStream", "CimCloseStream", "CimCloseImage"), recorder.functions());
        assertEquals(recorder.only("CimCreateFile").pointer("stream"), recorder.only("CimCloseStream").pointer("stream"));
        assertFalse(Files.exists(dir.resolve("a.cim")));
        leftovers.forEach(p -> assertFalse(Files.exists(p), p.toString()));
        assertTrue(Files.exists(othersRegion));
        w.close(); // twice: nothing more
        assertEquals(1, recorder.all("CimCloseImage").size());
        IOException closed = assertThrows(IOException.class, () -> w.deletePath("x"));
        assertEquals("x: the image " + dir.resolve("a.cim") + " is closed", closed.getMessage());
    }

    @Test
    void anImageThatExistedBeforeIsNeverRemoved() throws IOException {
        Files.writeString(dir.resolve("old.cim"), "an image committed earlier");
        writers.create(dir, "old.cim").close();
        assertTrue(Files.exists(dir.resolve("old.cim")));
        try (NativeCimWriter w = writers.create(dir, "new.cim")) {
            w.commit();
            Files.writeString(dir.resolve("new.cim"), "committed");
        }
        assertTrue(Files.exists(dir.resolve("new.cim")), "a committed image stays");
        IOException e = assertThrows(IOException.class, () -> {
            try (NativeCimWriter w = writers.create(dir, "x.cim")) {
                w.commit();
                w.commit();
            }
        });
        assertEquals("commit: the image " + dir.resolve("x.cim") + " is committed", e.getMessage());
    }

    @Test
    void creationIsSerializedPerDirectory() throws Exception {
        recorder.control().recorder_set_create_delay(20_000);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<NativeCimWriter>> created = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String name = "l" + i + ".cim";
                created.add(pool.submit(() -> writers.create(dir, name)));
            }
            for (Future<NativeCimWriter> f : created) {
                f.get().close();
            }
        } finally {
            pool.shutdownNow();
        }
        List<NativeRecorder.Call> creates = recorder.all("CimCreateImage");
        assertEquals(6, creates.size());
        creates.forEach(c -> assertEquals(1, c.number("concurrent"), c.toString()));
        assertEquals(6, creates.stream().map(c -> c.pointer("handle")).distinct().count());
    }
}
