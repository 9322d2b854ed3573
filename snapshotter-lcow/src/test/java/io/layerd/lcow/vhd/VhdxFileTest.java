package io.layerd.lcow.vhd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VhdxFileTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;
    private static final UUID DISK_ID = UUID.fromString("6ba7b810-9dad-41d1-80b4-00c04fd430c8");

    @TempDir
    Path dir;

    /** Deterministic GUIDs g(1), g(2), ... for header fields. */
    static UUID g(long n) {
        return new UUID(0x1111_2222_3333_4444L, n);
    }

    static Supplier<UUID> guidsFrom(long first) {
        long[] next = {first};
        return () -> g(next[0]++);
    }

    // ------------------------------------------------------------ layout arithmetic

    @Test
    void batLayoutFollowsTheChunkRatioFormula() {
        VhdxBatLayout l = new VhdxBatLayout(20 * GIB, MIB, 512);
        assertEquals(4096, l.chunkRatio(), "2^23 sectors x 512 / 1 MiB");
        assertEquals(20480, l.payloadBlocks());
        assertEquals(5, l.sectorBitmapBlocks());
        assertEquals(20480 + 4, l.totalBatEntries(), "payload + floor((payload - 1) / chunk ratio)");
        assertEquals(4095, l.batIndex(4095));
        assertEquals(4096, l.sectorBitmapBatIndex(0));
        assertTrue(l.isSectorBitmapIndex(4096));
        assertEquals(4097, l.batIndex(4096), "the chunk's bitmap entry is skipped");
        assertEquals(20483, l.batIndex(20479), "last payload block is the last entry");

        assertEquals(16, new VhdxBatLayout(GIB, 256 * MIB, 512).chunkRatio());
        assertEquals(32768, new VhdxBatLayout(GIB, MIB, 4096).chunkRatio());
        // A disk of exactly one chunk has no trailing sector bitmap entry; one more block adds it.
        assertEquals(4096, new VhdxBatLayout(4 * GIB, MIB, 512).totalBatEntries());
        assertEquals(4098, new VhdxBatLayout(4 * GIB + MIB, MIB, 512).totalBatEntries());
        assertEquals(1, new VhdxBatLayout(512, MIB, 512).totalBatEntries());
    }

    @Test
    void batEntryPacksStateAndOffsetInMegabytes() {
        VhdxBatEntry e = VhdxBatEntry.fullyPresent(5 * MIB);
        assertEquals((5L << 20) | 6, e.encode());
        assertEquals(e, VhdxBatEntry.decode((5L << 20) | 6 | (1L << 7)), "reserved bits are ignored");
        assertEquals(5 * MIB, e.fileOffset());
        assertThrows(IllegalArgumentException.class, () -> VhdxBatEntry.fullyPresent(5 * MIB + 4096));
    }

    @Test
    void guidsUseMicrosoftByteOrder() {
        ByteBuffer b = ByteBuffer.allocate(16);
        MsGuid.put(b, 0, VhdxRegionTableEntry.BAT_GUID);
        assertEquals("6677c22d23f600429d64115e9bfd4a08", HexFormat.of().formatHex(b.array()));
        assertEquals(VhdxRegionTableEntry.BAT_GUID, MsGuid.get(b, 0));
    }

    // ------------------------------------------------------------ creation

    @Test
    void created20GiBDiskPassesQemuCheckAndStaysSparse() throws Exception {
        Qemu.assumeInstalled();
        Path vhdx = dir.resolve("sandbox.vhdx");
        try (VhdxFile f = VhdxFile.create(vhdx, 20 * GIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
            assertEquals(0, f.allocatedBytes());
        }
        Qemu.img("check", "-f", "vhdx", vhdx.toString()).assertOk();
        Qemu.Result info = Qemu.img("info", "--output=json", vhdx.toString()).assertOk();
        assertEquals("vhdx", info.jsonString("format"));
        assertEquals(20 * GIB, info.jsonLong("virtual-size"));
        assertEquals(MIB, info.jsonLong("cluster-size"));
        assertEquals(4 * MIB, Files.size(vhdx), "header section, log, metadata, BAT: 1 MiB each");
        long onDisk = Qemu.allocatedOnDisk(vhdx);
        assertTrue(onDisk < 2 * MIB, "an empty 20 GiB VHDX must occupy little space, occupies " + onDisk);

        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(20 * GIB, f.virtualSize());
            assertEquals(MIB, f.blockSize());
            assertEquals(512, f.logicalSectorSize());
            assertEquals(4096, f.physicalSectorSize());
            assertEquals(DISK_ID, f.diskId());
            assertFalse(f.fileParameters().leaveBlockAllocated());
            assertFalse(f.fileParameters().hasParent());
            assertEquals(2, f.header().sequenceNumber());
            assertEquals(g(1), f.header().fileWriteGuid());
            assertEquals(g(2), f.header().dataWriteGuid());
            assertFalse(f.header().hasActiveLog());
        }
    }

    @Test
    void createdStructuresAreWhereAndWhatTheSpecSays() throws IOException {
        Path vhdx = dir.resolve("d.vhdx");
        VhdxFile.create(vhdx, 20 * GIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1)).close();
        byte[] file = Files.readAllBytes(vhdx);
        ByteBuffer le = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);

        assertEquals("vhdxfile", new String(file, 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
        for (int h = 0; h < 2; h++) {
            int at = (int) (64 * KIB * (h + 1));
            assertEquals("head", new String(file, at, 4, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(crc32c(file, at, 4096, 4), le.getInt(at + 4), "header " + (h + 1) + " CRC-32C");
            assertEquals(h + 1, le.getLong(at + 8), "SequenceNumber");
            assertEquals(0, le.getShort(at + 64), "LogVersion");
            assertEquals(1, le.getShort(at + 66), "Version");
            assertEquals(MIB, le.getInt(at + 68), "LogLength");
            assertEquals(MIB, le.getLong(at + 72), "LogOffset");
            assertTrue(Arrays.equals(new byte[16], Arrays.copyOfRange(file, at + 48, at + 64)), "LogGuid zero");
        }
        int rt = (int) (192 * KIB);
        assertEquals("regi", new String(file, rt, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(crc32c(file, rt, 64 * 1024, 4), le.getInt(rt + 4), "region table CRC-32C");
        assertEquals(2, le.getInt(rt + 8));
        assertArrayEquals(Arrays.copyOfRange(file, rt, rt + 65536),
                Arrays.copyOfRange(file, rt + 65536, rt + 2 * 65536), "the two region table copies");
        assertEquals("6677c22d23f600429d64115e9bfd4a08", HexFormat.of().formatHex(file, rt + 16, rt + 32));
        assertEquals(3 * MIB, le.getLong(rt + 32), "BAT FileOffset");
        assertEquals(MIB, le.getInt(rt + 40), "BAT Length: 20484 entries x 8 rounded up to 1 MiB");
        assertEquals(1, le.getInt(rt + 44), "BAT Required");
        assertEquals(2 * MIB, le.getLong(rt + 64), "metadata FileOffset");

        int md = (int) (2 * MIB);
        assertEquals("metadata", new String(file, md, 8, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(5, le.getShort(md + 10));
        int items = md + 64 * 1024;
        assertEquals(MIB, le.getInt(items), "File Parameters BlockSize");
        assertEquals(0, le.getInt(items + 4), "LeaveBlockAllocated = HasParent = 0");
        assertEquals(20 * GIB, le.getLong(items + 8), "VirtualDiskSize");
        assertEquals("10b8a76bad9dd14180b400c04fd430c8", HexFormat.of().formatHex(file, items + 16, items + 32),
                "Page 83 Data in Microsoft GUID byte order");
        assertEquals(512, le.getInt(items + 32));
        assertEquals(4096, le.getInt(items + 36));
    }

    @Test
    void sameInputsGiveIdenticalFiles() throws IOException {
        Path a = dir.resolve("a.vhdx");
        Path b = dir.resolve("b.vhdx");
        for (Path p : new Path[] {a, b}) {
            try (VhdxFile f = VhdxFile.create(p, 64 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
                f.write(3 * MIB + 17, pattern(5000, 0x42));
            }
        }
        assertEquals(-1, Files.mismatch(a, b));
        Path c = dir.resolve("c.vhdx");
        VhdxFile.create(c, 64 * MIB).close(); // random ids by default
        assertNotEquals(-1, Files.mismatch(a, c));
    }

    // ------------------------------------------------------------ writing, checked by qemu

    @Test
    void patternsWrittenAtAwkwardOffsetsReadBackInQemu() throws Exception {
        Qemu.assumeInstalled();
        Path vhdx = dir.resolve("w.vhdx");
        long size = 20 * GIB;
        try (VhdxFile f = VhdxFile.create(vhdx, size, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
            f.write(0, pattern(4096, 0x11));                           // block 0
            f.write(MIB - 2048, pattern(4096, 0x22));                  // blocks 0 and 1
            f.write(4 * GIB - 4096, pattern(8192, 0x33));              // blocks 4095 and 4096: across a chunk
            f.write(7 * GIB + 12345 * 512L, pattern(65536, 0x44));     // block 7174
            f.write(10 * GIB, pattern((int) (3 * MIB + 512), 0x66));   // blocks 10240..10243
            f.write(size - 8192, pattern(8192, 0x55));                 // last block 20479, to the very end
            assertEquals(10 * MIB, f.allocatedBytes());
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT, f.payloadBatEntry(4096).state());
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_NOT_PRESENT, f.payloadBatEntry(4097).state());
        }
        Qemu.img("check", "-f", "vhdx", vhdx.toString()).assertOk();
        Qemu.assertPattern(vhdx, 0, 4096, 0x11);
        Qemu.assertPattern(vhdx, 4096, MIB - 2048 - 4096, 0);
        Qemu.assertPattern(vhdx, MIB - 2048, 4096, 0x22);
        Qemu.assertPattern(vhdx, MIB + 2048, MIB - 2048, 0);
        Qemu.assertPattern(vhdx, 4 * GIB - 4096, 8192, 0x33);
        Qemu.assertPattern(vhdx, 7 * GIB + 12345 * 512L, 65536, 0x44);
        Qemu.assertPattern(vhdx, 7 * GIB + 12345 * 512L + 65536, 4096, 0);
        Qemu.assertPattern(vhdx, 10 * GIB, 3 * MIB + 512, 0x66);
        Qemu.assertPattern(vhdx, size - 8192, 8192, 0x55);
        Qemu.assertPattern(vhdx, size - MIB, MIB - 8192, 0);
        Qemu.assertPattern(vhdx, 2 * GIB, MIB, 0);
        long onDisk = Qemu.allocatedOnDisk(vhdx);
        assertTrue(onDisk < 12 * MIB, "ten partly written blocks stay partly holes, occupies " + onDisk);
    }

    @Test
    void qemuConvertToRawEqualsTheBytesWritten() throws Exception {
        Qemu.assumeInstalled();
        Path vhdx = dir.resolve("r.vhdx");
        int size = (int) (48 * MIB);
        byte[] model = new byte[size];
        Random random = new Random(42);
        try (VhdxFile f = VhdxFile.create(vhdx, size, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
            for (int i = 0; i < 40; i++) {
                int length = 1 + random.nextInt(300_000);
                int offset = random.nextInt(size - length + 1); // byte-granular, unaligned on purpose
                byte[] data = new byte[length];
                if (i % 5 != 0) {
                    random.nextBytes(data); // every fifth write is zeros, possibly over earlier data
                }
                f.write(offset, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, model, offset, length);
            }
            assertArrayEquals(model, readAll(f), "our reader, same session");
        }
        Qemu.img("check", "-f", "vhdx", vhdx.toString()).assertOk();
        Path raw = dir.resolve("r.raw");
        Qemu.img("convert", "-f", "vhdx", "-O", "raw", vhdx.toString(), raw.toString()).assertOk();
        assertArrayEquals(model, Files.readAllBytes(raw));
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertArrayEquals(model, readAll(f), "our reader, new session");
        }
    }

    @Test
    void zeroWritesToUnallocatedBlocksAllocateNothing() throws IOException {
        Path vhdx = dir.resolve("z.vhdx");
        try (VhdxFile f = VhdxFile.create(vhdx, 64 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
            f.write(5 * MIB, ByteBuffer.allocate((int) MIB));
            f.write(0, ByteBuffer.allocate(100));
            assertEquals(0, f.allocatedBytes());
            assertEquals(4 * MIB, Files.size(vhdx));

            f.write(5 * MIB + 10, ByteBuffer.wrap(new byte[] {9}));
            assertEquals(MIB, f.allocatedBytes());
            assertEquals(5 * MIB, Files.size(vhdx), "one block appended at the end of the file");
            assertEquals(VhdxBatEntry.fullyPresent(4 * MIB), f.payloadBatEntry(5));

            byte[] block = read(f, 5 * MIB, (int) MIB);
            assertEquals(9, block[10]);
            block[10] = 0;
            assertArrayEquals(new byte[(int) MIB], block, "the rest of a new block reads zero");

            f.write(5 * MIB + 10, ByteBuffer.allocate(1)); // zeros into an allocated block do overwrite
            assertEquals(0, read(f, 5 * MIB + 10, 1)[0]);
            assertEquals(MIB, f.allocatedBytes());
        }
    }

    @Test
    void readStopsAtTheEndOfTheDisk() throws IOException {
        try (VhdxFile f = VhdxFile.create(dir.resolve("e.vhdx"), 2 * MIB)) {
            f.write(2 * MIB - 3, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer buf = ByteBuffer.allocate(10);
            assertEquals(3, f.read(2 * MIB - 3, buf));
            assertEquals(3, buf.position());
            assertEquals(-1, f.read(2 * MIB, buf.clear()));
            assertEquals(0, f.read(0, ByteBuffer.allocate(0)));
            assertThrows(IllegalArgumentException.class, () -> f.write(2 * MIB - 2, ByteBuffer.allocate(3)));
            assertThrows(IllegalArgumentException.class, () -> f.write(-1, ByteBuffer.allocate(1)));
        }
    }

    @Test
    void createValidatesArguments() {
        assertThrows(IllegalArgumentException.class, () -> VhdxFile.create(dir.resolve("a"), 1000));
        assertThrows(IllegalArgumentException.class, () -> VhdxFile.create(dir.resolve("b"), 0));
        assertThrows(IllegalArgumentException.class,
                () -> VhdxFile.create(dir.resolve("c"), MIB, 3 * (int) MIB, DISK_ID));
        assertThrows(IllegalArgumentException.class,
                () -> VhdxFile.create(dir.resolve("d"), MIB, 512 * 1024, DISK_ID));
        assertFalse(Files.exists(dir.resolve("a")));
    }

    @Test
    void createRefusesToOverwrite() throws IOException {
        Path existing = Files.writeString(dir.resolve("x.vhdx"), "keep");
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> VhdxFile.create(existing, MIB));
        assertEquals("keep", Files.readString(existing));
    }

    // ------------------------------------------------------------ header update rules

    @Test
    void sessionsUpdateSequenceAndWriteGuidsAsTheSpecRequires() throws IOException {
        Path vhdx = dir.resolve("h.vhdx");
        VhdxFile.create(vhdx, 64 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1)).close();

        byte[] before = Files.readAllBytes(vhdx);
        VhdxFile.open(vhdx, false).close();
        assertArrayEquals(before, Files.readAllBytes(vhdx), "a read-only session changes nothing");

        // Writable session without writes: new FileWriteGuid, DataWriteGuid kept, both headers updated.
        VhdxFile.open(vhdx, true, guidsFrom(100)).close();
        VhdxHeader h = header(vhdx);
        assertEquals(4, h.sequenceNumber());
        assertEquals(g(100), h.fileWriteGuid());
        assertEquals(g(2), h.dataWriteGuid());

        // A zero write to an empty block is not user-visible: still no new DataWriteGuid.
        try (VhdxFile f = VhdxFile.open(vhdx, true, guidsFrom(200))) {
            f.write(0, ByteBuffer.allocate(512));
        }
        assertEquals(g(2), header(vhdx).dataWriteGuid());
        assertEquals(6, header(vhdx).sequenceNumber());

        // A visible write: new DataWriteGuid before it, two more header updates.
        try (VhdxFile f = VhdxFile.open(vhdx, true, guidsFrom(300))) {
            f.write(0, pattern(512, 1));
            f.write(MIB, pattern(512, 2));
        }
        h = header(vhdx);
        assertEquals(10, h.sequenceNumber());
        assertEquals(g(300), h.fileWriteGuid());
        assertEquals(g(301), h.dataWriteGuid());
        // Both copies are current-equivalent: same fields, consecutive sequence numbers.
        VhdxHeader h1 = rawHeader(vhdx, 0);
        VhdxHeader h2 = rawHeader(vhdx, 1);
        assertEquals(Math.max(h1.sequenceNumber(), h2.sequenceNumber()), 10);
        assertEquals(Math.min(h1.sequenceNumber(), h2.sequenceNumber()), 9);
        assertEquals(h1.dataWriteGuid(), h2.dataWriteGuid());
    }

    @Test
    void aCorruptHeaderFallsBackToTheOtherAndTwoCorruptOnesAreRefused() throws IOException {
        Path vhdx = dir.resolve("c.vhdx");
        VhdxFile.create(vhdx, 64 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1)).close();
        poke(vhdx, 128 * KIB + 100, new byte[] {1}); // header 2 (current, sequence 2): checksum breaks
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(1, f.header().sequenceNumber());
        }
        poke(vhdx, 64 * KIB + 100, new byte[] {1});
        IOException e = assertThrows(IOException.class, () -> VhdxFile.open(vhdx, false));
        assertTrue(e.getMessage().contains(vhdx.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("Checksum"), e.getMessage());
    }

    @Test
    void aCorruptRegionTableFallsBackToItsCopy() throws IOException {
        Path vhdx = dir.resolve("rt.vhdx");
        try (VhdxFile f = VhdxFile.create(vhdx, 8 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
            f.write(0, pattern(100, 0x7E));
        }
        poke(vhdx, 192 * KIB + 33, new byte[] {0x55});
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(0x7E, read(f, 99, 1)[0]);
        }
        poke(vhdx, 256 * KIB + 33, new byte[] {0x55});
        IOException e = assertThrows(IOException.class, () -> VhdxFile.open(vhdx, false));
        assertTrue(e.getMessage().contains("region table"), e.getMessage());
    }

    @Test
    void notAVhdxIsRefusedNamingTheSignature() throws IOException {
        Path junk = dir.resolve("junk.vhdx");
        Files.write(junk, new byte[(int) (2 * MIB)]);
        IOException e = assertThrows(IOException.class, () -> VhdxFile.open(junk, false));
        assertTrue(e.getMessage().contains(junk.toString()) && e.getMessage().contains("Signature"),
                e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> VhdxFile.open(dir.resolve("none"), true));
        assertFalse(Files.exists(dir.resolve("none")));
    }

    @Test
    void readOnlyFilesRefuseWrites() throws IOException {
        Path vhdx = dir.resolve("ro.vhdx");
        VhdxFile.create(vhdx, 8 * MIB).close();
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            IOException e = assertThrows(IOException.class, () -> f.write(0, pattern(1, 1)));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
    }

    // ------------------------------------------------------------ the log

    @Test
    void aFileWithANonEmptyLogIsRefusedWithoutBeingModified() throws IOException {
        Path vhdx = dir.resolve("log.vhdx");
        VhdxFile.create(vhdx, 64 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1)).close();
        UUID logGuid = UUID.fromString("9f3c6a1e-0d4b-4c7a-8e2f-5a1b2c3d4e5f");
        for (int i = 0; i < 2; i++) {
            VhdxHeader withLog = rawHeader(vhdx, i).withLogGuid(logGuid);
            ByteBuffer buf = ByteBuffer.allocate(VhdxHeader.SIZE);
            withLog.writeTo(buf);
            poke(vhdx, VhdxFile.HEADER1_OFFSET * (i + 1), buf.array());
        }
        byte[] before = Files.readAllBytes(vhdx);
        for (boolean writable : new boolean[] {false, true}) {
            IOException e = assertThrows(IOException.class, () -> VhdxFile.open(vhdx, writable));
            assertTrue(e.getMessage().contains(vhdx.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("log is not empty"), e.getMessage());
            assertTrue(e.getMessage().contains("LogGuid"), e.getMessage());
            assertTrue(e.getMessage().contains("replay"), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(vhdx));
    }

    // ------------------------------------------------------------ files written by qemu

    static Stream<Arguments> qemuLayouts() {
        return Stream.of(
                Arguments.of("qemu defaults: 8 MiB blocks, unwritten blocks PAYLOAD_BLOCK_ZERO", "",
                        VhdxBatEntry.PAYLOAD_BLOCK_ZERO),
                Arguments.of("1 MiB blocks, block_state_zero=off: PAYLOAD_BLOCK_NOT_PRESENT",
                        "block_size=1M,block_state_zero=off", VhdxBatEntry.PAYLOAD_BLOCK_NOT_PRESENT),
                // qemu marks even a fixed file's blocks ZERO unless block_state_zero=off.
                Arguments.of("fixed VHDX, block_state_zero=off: every block PAYLOAD_BLOCK_FULLY_PRESENT",
                        "subformat=fixed,block_size=1M,block_state_zero=off",
                        VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuLayouts")
    void readsExactlyWhatQemuWrote(String name, String options, int untouchedState) throws Exception {
        Qemu.assumeInstalled();
        Path vhdx = dir.resolve("q.vhdx");
        int size = (int) (64 * MIB);
        if (options.isEmpty()) {
            Qemu.img("create", "-q", "-f", "vhdx", vhdx.toString(), "64M").assertOk();
        } else {
            Qemu.img("create", "-q", "-f", "vhdx", "-o", options, vhdx.toString(), "64M").assertOk();
        }
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertArrayEquals(new byte[size], readAll(f), "a new qemu VHDX reads as zeros");
        }
        Qemu.io("-f", "vhdx", "-c", "write -P 0xab 0 4M", vhdx.toString()).assertOk();
        Qemu.io("-f", "vhdx", "-c", "write -P 0xcd 3M 2M", vhdx.toString()).assertOk();

        byte[] expected = new byte[size];
        Arrays.fill(expected, 0, (int) (3 * MIB), (byte) 0xab);
        Arrays.fill(expected, (int) (3 * MIB), (int) (5 * MIB), (byte) 0xcd);
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(64 * MIB, f.virtualSize());
            assertEquals(options.contains("fixed"), f.fileParameters().leaveBlockAllocated());
            assertArrayEquals(expected, readAll(f));
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT, f.payloadBatEntry(0).state());
            long lastBlock = f.batLayout().payloadBlocks() - 1;
            assertEquals(untouchedState, f.payloadBatEntry(lastBlock).state());
        }
    }

    @Test
    void extendsAFileQemuWroteAndQemuStillAgrees() throws Exception {
        Qemu.assumeInstalled();
        Path vhdx = dir.resolve("q.vhdx");
        Qemu.img("create", "-q", "-f", "vhdx", vhdx.toString(), "64M").assertOk(); // 8 MiB blocks, ZERO state
        Qemu.io("-f", "vhdx", "-c", "write -P 0xcd 3M 2M", vhdx.toString()).assertOk();
        VhdxHeader before = header(vhdx);

        try (VhdxFile f = VhdxFile.open(vhdx, true, guidsFrom(500))) {
            assertEquals(8 * MIB, f.blockSize());
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_ZERO, f.payloadBatEntry(2).state());
            f.write(20 * MIB, pattern((int) MIB, 0x77));  // block 2: PAYLOAD_BLOCK_ZERO, allocated now
            f.write(4 * MIB, pattern(4096, 0x78));        // block 0: already present, overwritten in place
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT, f.payloadBatEntry(2).state());
            assertEquals(0, f.payloadBatEntry(2).fileOffset() % MIB);
        }
        Qemu.img("check", "-f", "vhdx", vhdx.toString()).assertOk();
        Qemu.assertPattern(vhdx, 3 * MIB, MIB, 0xcd);
        Qemu.assertPattern(vhdx, 4 * MIB, 4096, 0x78);
        Qemu.assertPattern(vhdx, 4 * MIB + 4096, MIB - 4096, 0xcd);
        Qemu.assertPattern(vhdx, 16 * MIB, 4 * MIB, 0);
        Qemu.assertPattern(vhdx, 20 * MIB, MIB, 0x77);
        Qemu.assertPattern(vhdx, 21 * MIB, 3 * MIB, 0);

        VhdxHeader after = header(vhdx);
        assertEquals(before.sequenceNumber() + 4, after.sequenceNumber(), "two updates on open, two on first write");
        assertEquals(g(500), after.fileWriteGuid());
        assertEquals(g(501), after.dataWriteGuid());
    }

    // ------------------------------------------------------------ BAT states

    @Test
    void zeroLikeBatStatesReadAsZerosAndOthersAreRefused() throws IOException {
        Path vhdx = dir.resolve("s.vhdx");
        try (VhdxFile f = VhdxFile.create(vhdx, 8 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1))) {
            for (int b = 0; b < 6; b++) {
                f.write(b * MIB, pattern((int) MIB, 0x10 + b));
            }
        }
        long batOffset = batOffset(vhdx);
        int[] states = {VhdxBatEntry.PAYLOAD_BLOCK_UNDEFINED, VhdxBatEntry.PAYLOAD_BLOCK_ZERO,
            VhdxBatEntry.PAYLOAD_BLOCK_UNMAPPED, VhdxBatEntry.PAYLOAD_BLOCK_UNMAPPED_V095};
        for (int i = 0; i < states.length; i++) {
            int block = i + 1;
            // Keep the old FileOffsetMB: the state alone must decide that the data is not read.
            long old = batRaw(vhdx, batOffset, block);
            setBatRaw(vhdx, batOffset, block, (old & ~7L) | states[i]);
        }
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            byte[] all = readAll(f);
            for (int b = 0; b < 8; b++) {
                byte expected = (byte) (b == 0 || b == 5 ? 0x10 + b : 0);
                byte[] block = Arrays.copyOfRange(all, (int) (b * MIB), (int) ((b + 1) * MIB));
                byte[] want = new byte[(int) MIB];
                Arrays.fill(want, expected);
                assertArrayEquals(want, block, "block " + b);
            }
        }

        setBatRaw(vhdx, batOffset, 1, VhdxBatEntry.PAYLOAD_BLOCK_PARTIALLY_PRESENT);
        IOException e = assertThrows(IOException.class, () -> VhdxFile.open(vhdx, false));
        assertTrue(e.getMessage().contains("PAYLOAD_BLOCK_PARTIALLY_PRESENT"), e.getMessage());
        assertTrue(e.getMessage().contains(vhdx.toString()), e.getMessage());
        setBatRaw(vhdx, batOffset, 1, 4);
        e = assertThrows(IOException.class, () -> VhdxFile.open(vhdx, false));
        assertTrue(e.getMessage().contains("reserved state 4"), e.getMessage());
    }

    @Test
    void aPayloadBlockPointingIntoTheMetadataIsRefused() throws IOException {
        Path vhdx = dir.resolve("o.vhdx");
        VhdxFile.create(vhdx, 8 * MIB, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, guidsFrom(1)).close();
        setBatRaw(vhdx, batOffset(vhdx), 0, VhdxBatEntry.fullyPresent(2 * MIB).encode());
        IOException e = assertThrows(IOException.class, () -> VhdxFile.open(vhdx, false));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
    }

    // ------------------------------------------------------------ helpers

    static ByteBuffer pattern(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    static byte[] read(VhdxFile f, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        assertEquals(length, f.read(offset, buf));
        return buf.array();
    }

    static byte[] readAll(VhdxFile f) throws IOException {
        return read(f, 0, Math.toIntExact(f.virtualSize()));
    }

    private static int crc32c(byte[] b, int offset, int length, int checksumOffset) {
        byte[] copy = Arrays.copyOfRange(b, offset, offset + length);
        Arrays.fill(copy, checksumOffset, checksumOffset + 4, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(copy);
        return (int) crc.getValue();
    }

    private static VhdxHeader header(Path vhdx) throws IOException {
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            return f.header();
        }
    }

    private static VhdxHeader rawHeader(Path vhdx, int index) throws IOException {
        try (FileChannel ch = FileChannel.open(vhdx)) {
            long offset = index == 0 ? VhdxFile.HEADER1_OFFSET : VhdxFile.HEADER2_OFFSET;
            return VhdxHeader.read(VhdxFile.readAt(ch, offset, VhdxHeader.SIZE, "h"), "h");
        }
    }

    private static long batOffset(Path vhdx) throws IOException {
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            return f.regionTable().find(VhdxRegionTableEntry.BAT_GUID).orElseThrow().fileOffset();
        }
    }

    private static long batRaw(Path vhdx, long batOffset, int index) throws IOException {
        try (FileChannel ch = FileChannel.open(vhdx)) {
            return VhdxFile.readAt(ch, batOffset + index * 8L, 8, "bat").order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        }
    }

    private static void setBatRaw(Path vhdx, long batOffset, int index, long value) throws IOException {
        poke(vhdx, batOffset + index * 8L,
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value).array());
    }

    static void poke(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            VhdxFile.writeFully(ch, ByteBuffer.wrap(bytes), offset);
        }
    }
}
