package io.layerd.lcow.vhd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VhdFooterTest {

    private static final UUID ID = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");

    @TempDir
    Path dir;

    /** Expected values worked through by hand from the VHD specification's CHS algorithm. */
    static Stream<Arguments> geometryCases() {
        return Stream.of(
                Arguments.of("small: 1 MiB, 17 sectors, heads raised to the minimum 4", 2048L, 30, 4, 17),
                Arguments.of("10 MiB", 20480L, 301, 4, 17),
                Arguments.of("3 MiB + 1536 bytes: CHS rounds down to 6120 sectors", 6147L, 90, 4, 17),
                Arguments.of("250000 sectors: 17 sectors with 15 heads", 250000L, 980, 15, 17),
                Arguments.of("300000 sectors: heads > 16 switches to 31 sectors", 300000L, 604, 16, 31),
                Arguments.of("1 GiB: 63 sectors", 1L << 21, 2080, 16, 63),
                Arguments.of("one sector below the ATA limit 65535x16x63", 65535L * 16 * 63 - 1, 65534, 16, 63),
                Arguments.of("exactly the ATA limit switches to 255 sectors", 65535L * 16 * 63, 16191, 16, 255),
                Arguments.of("127 GiB-ish", 127L << 21, 65278, 16, 255),
                Arguments.of("exactly the CHS maximum 65535x16x255", 65535L * 16 * 255, 65535, 16, 255),
                Arguments.of("over the CHS maximum: 128 GiB clamps", 128L << 21, 65535, 16, 255),
                Arguments.of("far over the CHS maximum: 2 TiB clamps", 1L << 32, 65535, 16, 255));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometryCases")
    void geometryFollowsTheSpecificationAlgorithm(String name, long sectors, int cylinders, int heads, int spt) {
        VhdDiskGeometry g = VhdDiskGeometry.forTotalSectors(sectors);
        assertEquals(new VhdDiskGeometry(cylinders, heads, spt), g);
        assertTrue(g.totalSectors() <= sectors, "CHS never exceeds the disk");
    }

    @Test
    void fieldsSitAtTheirSpecOffsetsBigEndian() {
        long size = 10L << 20;
        ByteBuffer b = ByteBuffer.wrap(VhdFooter.fixed(size, ID).toBytes()); // big-endian by default
        assertEquals(VhdFooter.SIZE, b.capacity());
        assertEquals("conectix", new String(b.array(), 0, 8, StandardCharsets.US_ASCII));
        assertEquals(0x00000002, b.getInt(8));
        assertEquals(0x00010000, b.getInt(12));
        assertEquals(-1L, b.getLong(16));
        assertEquals(0, b.getInt(24), "time stamp 0 keeps the footer deterministic");
        assertEquals("win ", new String(b.array(), 28, 4, StandardCharsets.US_ASCII));
        assertEquals(0x000A0000, b.getInt(32));
        assertEquals(0x5769326B, b.getInt(36), "Creator Host OS Wi2k");
        assertEquals(size, b.getLong(40));
        assertEquals(size, b.getLong(48));
        assertEquals(301, Short.toUnsignedInt(b.getShort(56)));
        assertEquals(4, b.get(58));
        assertEquals(17, b.get(59));
        assertEquals(2, b.getInt(60));
        assertEquals(ID.getMostSignificantBits(), b.getLong(68));
        assertEquals(ID.getLeastSignificantBits(), b.getLong(76));
        assertEquals(0, b.get(84));
        for (int i = 85; i < 512; i++) {
            assertEquals(0, b.get(i), "reserved byte " + i);
        }
    }

    @Test
    void checksumIsOnesComplementOfTheByteSumWithTheFieldZero() {
        byte[] bytes = VhdFooter.fixed(4L << 20, ID).toBytes();
        int stored = ByteBuffer.wrap(bytes).getInt(64);
        Arrays.fill(bytes, 64, 68, (byte) 0);
        long sum = 0;
        for (byte x : bytes) {
            sum += x & 0xFF;
        }
        assertEquals((int) ~sum, stored);
        assertNotEquals(0, stored);
    }

    @Test
    void roundTripsThroughBytes() throws IOException {
        VhdFooter footer = VhdFooter.fixed(128L << 30, ID);
        byte[] bytes = footer.toBytes();
        VhdFooter read = VhdFooter.read(ByteBuffer.wrap(bytes));
        assertEquals(footer, read);
        assertArrayEquals(bytes, read.toBytes());
        assertEquals(new VhdDiskGeometry(65535, 16, 255), read.diskGeometry());
        assertEquals(VhdFooter.DISK_TYPE_FIXED, read.diskType());
    }

    @Test
    void readAdvancesThePositionAndWriteToWritesAtIt() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(7 + VhdFooter.SIZE);
        buf.position(7);
        VhdFooter.fixed(512, ID).writeTo(buf);
        assertEquals(buf.capacity(), buf.position());
        buf.position(7);
        assertEquals(512, VhdFooter.read(buf).currentSize());
        assertEquals(buf.capacity(), buf.position());
    }

    @Test
    void corruptChecksumIsRejectedNamingFileAndField() {
        byte[] bytes = VhdFooter.fixed(4L << 20, ID).toBytes();
        bytes[48 + 7] ^= 0x02; // Current Size changed, checksum not
        IOException e = assertThrows(IOException.class,
                () -> VhdFooter.read(ByteBuffer.wrap(bytes), "/layers/1/layer.vhd"));
        assertTrue(e.getMessage().contains("/layers/1/layer.vhd"), e.getMessage());
        assertTrue(e.getMessage().contains("Checksum"), e.getMessage());
    }

    @Test
    void wrongCookieIsRejected() {
        byte[] bytes = VhdFooter.fixed(4L << 20, ID).toBytes();
        bytes[0] = 'C';
        IOException e = assertThrows(IOException.class, () -> VhdFooter.read(ByteBuffer.wrap(bytes), "x.vhd"));
        assertTrue(e.getMessage().contains("Cookie"), e.getMessage());
    }

    @Test
    void dataSizeMustBeWholeSectors() {
        assertThrows(IllegalArgumentException.class, () -> VhdFooter.fixed(1000, ID));
        assertThrows(IllegalArgumentException.class, () -> VhdFooter.fixed(-512, ID));
    }

    @Test
    void randomUniqueIdByDefault() {
        assertNotEquals(VhdFooter.fixed(512).uniqueId(), VhdFooter.fixed(512).uniqueId());
    }

    @Test
    void readFromFindsTheFooterAtTheEndOfAFile() throws IOException {
        Path vhd = writeFixedVhd(dir.resolve("layer.vhd"), 8192, (byte) 7);
        VhdFooter footer = VhdFooter.readFrom(vhd);
        assertEquals(8192, footer.currentSize());
        assertEquals(ID, footer.uniqueId());
    }

    @Test
    void qemuOpensRawDataPlusFooterAsVpcWithExactlyTheDataSize() throws Exception {
        Qemu.assumeInstalled();
        long size = 3L * 1024 * 1024 + 1536; // CHS (90/4/17) would give 6120 sectors = 3133440 bytes
        assertNotEquals(size, VhdDiskGeometry.forTotalSectors(size / 512).totalSectors() * 512);
        Path vhd = writeFixedVhd(dir.resolve("layer.vhd"), size, (byte) 0x5A);
        Path raw = dir.resolve("layer.raw");
        Files.write(raw, Arrays.copyOf(Files.readAllBytes(vhd), (int) size));

        // qemu probes formats at offset 0 only, so a fixed VHD (footer at the end) must be named -f vpc.
        Qemu.Result info = Qemu.img("info", "-f", "vpc", "--output=json", vhd.toString()).assertOk();
        assertEquals("vpc", info.jsonString("format"));
        assertEquals(size, info.jsonLong("virtual-size"));
        Qemu.Result compare = Qemu.img("compare", "-f", "raw", "-F", "vpc", raw.toString(), vhd.toString());
        assertEquals(0, compare.exitCode(), compare.output());
    }

    @Test
    void qemuRefusesAFooterWithABadChecksumToo() throws Exception {
        Qemu.assumeInstalled();
        Path vhd = writeFixedVhd(dir.resolve("layer.vhd"), 1 << 20, (byte) 1);
        Qemu.img("info", "-f", "vpc", vhd.toString()).assertOk();
        try (var ch = Files.newByteChannel(vhd, StandardOpenOption.WRITE)) {
            ch.position(Files.size(vhd) - VhdFooter.SIZE + 64).write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        }
        Qemu.Result info = Qemu.img("info", "-f", "vpc", vhd.toString());
        assertNotEquals(0, info.exitCode(), info.output());
        assertThrows(IOException.class, () -> VhdFooter.readFrom(vhd));
    }

    /**
     * qemu computes the same CHS geometry: it creates fixed images whose size it rounds to a CHS-exact
     * value, so the geometry in its footer must equal ours for that size. Reading qemu's footer also
     * checks that our checksum validation accepts another implementation's footers.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1M", "10M", "100M", "1G", "31G", "32G", "127G", "200G"})
    void geometryAgreesWithQemu(String size) throws Exception {
        Qemu.assumeInstalled();
        Path vhd = dir.resolve("q.vhd");
        Qemu.img("create", "-q", "-f", "vpc", "-o", "subformat=fixed", vhd.toString(), size).assertOk();
        VhdFooter footer = VhdFooter.readFrom(vhd);
        assertEquals("qemu", footer.creatorApplication());
        assertEquals(VhdDiskGeometry.forTotalSectors(footer.currentSize() / 512), footer.diskGeometry());
    }

    private static Path writeFixedVhd(Path file, long dataSize, byte fill) throws IOException {
        byte[] data = new byte[(int) dataSize];
        Arrays.fill(data, fill);
        Files.write(file, data);
        Files.write(file, VhdFooter.fixed(dataSize, ID).toBytes(), StandardOpenOption.APPEND);
        return file;
    }
}
