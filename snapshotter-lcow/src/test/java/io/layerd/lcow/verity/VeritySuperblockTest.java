package io.layerd.lcow.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VeritySuperblockTest {

    private static final UUID UUID_1 = UUID.fromString("12345678-9abc-def0-1122-334455667788");

    @Test
    void sizeIs512() {
        assertEquals(512, VeritySuperblock.SIZE);
    }

    @Test
    void fieldsAreLittleEndianAtTheirOffsets() {
        byte[] salt = new byte[32];
        Arrays.fill(salt, (byte) 0xA5);
        VeritySuperblock sb = VeritySuperblock.sha256(UUID_1, 0x0102030405L, salt);
        // A big-endian destination must not change the encoding.
        ByteBuffer buffer = ByteBuffer.allocate(600).order(ByteOrder.BIG_ENDIAN);
        buffer.position(7);
        sb.writeTo(buffer);
        assertEquals(7 + 512, buffer.position());
        byte[] b = Arrays.copyOfRange(buffer.array(), 7, 7 + 512);

        assertArrayEquals("verity\0\0".getBytes(), Arrays.copyOfRange(b, 0, 8));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, Arrays.copyOfRange(b, 8, 12));
        assertArrayEquals(new byte[] {1, 0, 0, 0}, Arrays.copyOfRange(b, 12, 16));
        assertArrayEquals(new byte[] {0x12, 0x34, 0x56, 0x78, (byte) 0x9a, (byte) 0xbc, (byte) 0xde, (byte) 0xf0,
            0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88}, Arrays.copyOfRange(b, 16, 32));
        assertArrayEquals("sha256\0\0".getBytes(), Arrays.copyOfRange(b, 32, 40));
        assertArrayEquals(new byte[] {0, 0x10, 0, 0}, Arrays.copyOfRange(b, 64, 68));
        assertArrayEquals(new byte[] {0, 0x10, 0, 0}, Arrays.copyOfRange(b, 68, 72));
        assertArrayEquals(new byte[] {5, 4, 3, 2, 1, 0, 0, 0}, Arrays.copyOfRange(b, 72, 80));
        assertArrayEquals(new byte[] {32, 0}, Arrays.copyOfRange(b, 80, 82));
        assertArrayEquals(salt, Arrays.copyOfRange(b, 88, 120));
        for (int i = 120; i < 512; i++) {
            assertEquals(0, b[i], "byte " + i + " must be zero padding");
        }
    }

    @Test
    void roundTrips() {
        byte[] salt = {1, 2, 3};
        VeritySuperblock sb = new VeritySuperblock(1, 1, UUID_1, "sha512", 4096, 512, 99, salt);
        ByteBuffer buffer = ByteBuffer.allocate(VeritySuperblock.SIZE);
        sb.writeTo(buffer);
        buffer.flip();
        VeritySuperblock back = VeritySuperblock.read(buffer);
        assertEquals(sb, back);
        assertEquals(VeritySuperblock.SIZE, buffer.position());
        assertArrayEquals(salt, back.salt());
    }

    @Test
    void readRejectsWrongSignature() {
        ByteBuffer buffer = ByteBuffer.allocate(VeritySuperblock.SIZE);
        assertThrows(IllegalArgumentException.class, () -> VeritySuperblock.read(buffer));
    }

    @Test
    void rejectsOversizedSalt() {
        assertThrows(IllegalArgumentException.class,
                () -> VeritySuperblock.sha256(UUID_1, 1, new byte[VeritySuperblock.MAX_SALT_SIZE + 1]));
    }

    /** Our encoding must be byte-identical to the header veritysetup format writes for the same parameters. */
    @Test
    void matchesVeritysetupHeader(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Veritysetup.binary().isPresent(), Veritysetup.INSTALL_HINT);
        Path data = dir.resolve("data");
        Path hash = dir.resolve("hash");
        Files.write(data, new byte[3 * 4096]);
        Veritysetup.Result result = Veritysetup.run("format", "--data-block-size=4096", "--hash-block-size=4096",
                "--salt=" + "00".repeat(32), "--uuid=" + UUID_1, data.toString(), hash.toString());
        assertEquals(0, result.exitCode(), result.output());

        byte[] header = Arrays.copyOf(Files.readAllBytes(hash), VeritySuperblock.SIZE);
        ByteBuffer ours = ByteBuffer.allocate(VeritySuperblock.SIZE);
        VeritySuperblock.sha256(UUID_1, 3, new byte[32]).writeTo(ours);
        assertArrayEquals(header, ours.array());
        assertEquals(VeritySuperblock.sha256(UUID_1, 3, new byte[32]), VeritySuperblock.read(ByteBuffer.wrap(header)));
    }
}
