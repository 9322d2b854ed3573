package io.layerd.lcow.vhd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawToVhdxTest {

    private static final long MIB = 1 << 20;
    private static final UUID DISK_ID = UUID.fromString("3f2504e0-4f89-41d3-9a0c-0305e82c3301");

    @TempDir
    Path dir;

    /**
     * A sparse 40 MiB raw image: data in blocks 0, 4-5 (across their boundary), 17-19 and 39 (the last
     * 512 bytes); block 30 holds explicitly written zeros; everything else is a hole.
     */
    private Path sparseRaw() throws IOException {
        Path raw = dir.resolve("disk.raw");
        Random random = new Random(7);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(40 * MIB);
            write(f, 0, fill(4096, 0x11));
            write(f, 5 * MIB - 100, fill(200, 0x22));
            byte[] noise = new byte[(int) (2 * MIB + MIB / 2)];
            random.nextBytes(noise);
            write(f, 17 * MIB, noise);
            write(f, 30 * MIB, new byte[(int) MIB]);
            write(f, 40 * MIB - 512, fill(512, 0x33));
        }
        return raw;
    }

    @Test
    void holesStayHolesAndQemuSeesTheSameDisk() throws Exception {
        Path raw = sparseRaw();
        Path vhdx = dir.resolve("layer.vhdx");
        RawToVhdx.Result result = RawToVhdx.convert(raw, vhdx, VhdxFile.DEFAULT_BLOCK_SIZE);

        assertEquals(40 * MIB, result.virtualSize());
        assertEquals(7 * MIB, result.allocatedBytes(), "blocks 0, 4, 5, 17, 18, 19, 39");
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(7 * MIB, f.allocatedBytes());
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_NOT_PRESENT, f.payloadBatEntry(30).state(), "written zeros");
            assertEquals(VhdxBatEntry.PAYLOAD_BLOCK_NOT_PRESENT, f.payloadBatEntry(10).state(), "hole");
            assertArrayEquals(Files.readAllBytes(raw), VhdxFileTest.readAll(f));
        }
        assertEquals(11 * MIB, Files.size(vhdx), "4 MiB of structures + 7 payload blocks");

        Qemu.assumeInstalled();
        Qemu.img("check", "-f", "vhdx", vhdx.toString()).assertOk();
        Qemu.Result compare = Qemu.img("compare", "-f", "raw", "-F", "vhdx", raw.toString(), vhdx.toString());
        assertEquals(0, compare.exitCode(), compare.output());
        assertTrue(compare.output().contains("Images are identical"), compare.output());
        long onDisk = Qemu.allocatedOnDisk(vhdx);
        assertTrue(onDisk <= 8 * MIB, "sparse output occupies " + onDisk);
    }

    @Test
    void aRawSizeThatIsNotWholeSectorsIsPaddedWithZeros() throws Exception {
        Path raw = dir.resolve("odd.raw");
        byte[] data = fill((int) (MIB + 100), 0x5C);
        Files.write(raw, data);
        Path vhdx = dir.resolve("odd.vhdx");
        RawToVhdx.Result result = RawToVhdx.convert(raw, vhdx, VhdxFile.DEFAULT_BLOCK_SIZE);
        assertEquals(MIB + 512, result.virtualSize());
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertArrayEquals(Arrays.copyOf(data, (int) (MIB + 512)), VhdxFileTest.readAll(f));
        }
    }

    @Test
    void largerBlocksWork() throws Exception {
        Path raw = sparseRaw();
        Path vhdx = dir.resolve("big-blocks.vhdx");
        RawToVhdx.Result result = RawToVhdx.convert(raw, vhdx, 8 * (int) MIB);
        assertEquals(3 * 8 * MIB, result.allocatedBytes(), "8-MiB blocks 0 (0-8 MiB), 2 (16-24 MiB), 4 (32-40 MiB)");
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(8 * MIB, f.blockSize());
            assertArrayEquals(Files.readAllBytes(raw), VhdxFileTest.readAll(f));
        }
    }

    @Test
    void outputIsReproducibleWithFixedIds() throws IOException {
        Path raw = sparseRaw();
        Path a = dir.resolve("a.vhdx");
        Path b = dir.resolve("b.vhdx");
        RawToVhdx.convert(raw, a, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, VhdxFileTest.guidsFrom(1));
        RawToVhdx.convert(raw, b, VhdxFile.DEFAULT_BLOCK_SIZE, DISK_ID, VhdxFileTest.guidsFrom(1));
        assertEquals(-1, Files.mismatch(a, b));
    }

    @Test
    void replacesAnExistingOutputAndLeavesNoTemporaryFile() throws IOException {
        Path raw = sparseRaw();
        Path vhdx = Files.writeString(dir.resolve("layer.vhdx"), "old contents");
        RawToVhdx.convert(raw, vhdx, VhdxFile.DEFAULT_BLOCK_SIZE);
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            assertEquals(40 * MIB, f.virtualSize());
        }
        assertEquals(List.of("disk.raw", "layer.vhdx"), listing());
    }

    @Test
    void aFailedRenameDeletesTheTemporaryFileAndKeepsTheTarget() throws IOException {
        Path raw = sparseRaw();
        // A non-empty directory cannot be replaced by a rename: the failure comes after the VHDX is complete.
        Path target = Files.createDirectory(dir.resolve("layer.vhdx"));
        Files.writeString(target.resolve("keep"), "x");
        assertThrows(IOException.class, () -> RawToVhdx.convert(raw, target, VhdxFile.DEFAULT_BLOCK_SIZE));
        assertEquals(List.of("disk.raw", "layer.vhdx"), listing());
        assertEquals("x", Files.readString(target.resolve("keep")));
    }

    @Test
    void aMissingRawImageFailsWithoutLeavingFiles() {
        assertThrows(NoSuchFileException.class,
                () -> RawToVhdx.convert(dir.resolve("absent.raw"), dir.resolve("o.vhdx"), VhdxFile.DEFAULT_BLOCK_SIZE));
        assertEquals(List.of(), listing());
    }

    @Test
    void anEmptyRawImageIsRefused() throws IOException {
        Path raw = Files.createFile(dir.resolve("empty.raw"));
        IOException e = assertThrows(IOException.class,
                () -> RawToVhdx.convert(raw, dir.resolve("o.vhdx"), VhdxFile.DEFAULT_BLOCK_SIZE));
        assertTrue(e.getMessage().contains(raw.toString()), e.getMessage());
        assertEquals(List.of("empty.raw"), listing());
    }

    private List<String> listing() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] fill(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static void write(RandomAccessFile f, long offset, byte[] data) throws IOException {
        f.getChannel().write(ByteBuffer.wrap(data), offset);
    }
}
