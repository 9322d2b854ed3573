package io.layerd.core.tar;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The header checksum, summed eight bytes at a time, agrees with the byte-by-byte definition. */
class TarHeaderChecksumTest {
    /** The POSIX definition: every byte unsigned, the checksum field as eight spaces. */
    private static long reference(byte[] block, boolean signed) {
        long sum = 0;
        for (int i = 0; i < TarHeader.SIZE; i++) {
            sum += i >= 148 && i < 156 ? ' ' : signed ? block[i] : block[i] & 0xff;
        }
        return sum;
    }

    private static void stamp(byte[] block, long checksum) {
        byte[] field = String.format("%06o\0 ", checksum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(field, 0, block, 148, 8);
    }

    @Test
    void randomAndExtremeBlocksVerifyExactlyWhenTheirChecksumIsRight() {
        Random random = new Random(7);
        for (int round = 0; round < 2000; round++) {
            byte[] block = new byte[TarHeader.SIZE];
            switch (round % 4) {
                case 0 -> random.nextBytes(block);
                case 1 -> java.util.Arrays.fill(block, (byte) 0xff); // every 16-bit lane at its largest
                case 2 -> block[random.nextInt(TarHeader.SIZE)] = (byte) random.nextInt(256);
                default -> {
                    for (int i = 0; i < TarHeader.SIZE; i++) {
                        block[i] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(128) : random.nextInt(128));
                    }
                }
            }
            block[148] = 1; // the field's own bytes must not count: fill it with something first
            long sum = reference(block, false);
            stamp(block, sum);
            TarHeader ok = new TarHeader(block, 0);
            assertDoesNotThrow(ok::verifyChecksum, "round " + round);

            stamp(block, sum + 1);
            long signed = reference(block, true);
            if (signed != sum + 1) {
                assertThrows(TarFormatException.class, new TarHeader(block, 0)::verifyChecksum, "round " + round);
            }
        }
    }

    @Test
    void oldWritersSignedSumsAreAccepted() {
        byte[] block = new byte[TarHeader.SIZE];
        for (int i = 0; i < 100; i++) {
            block[i] = (byte) (0x80 + i); // bytes that differ signed and unsigned
        }
        java.util.Arrays.fill(block, 160, 500, (byte) 'a'); // keeps the signed sum positive
        stamp(block, reference(block, true));
        assertDoesNotThrow(new TarHeader(block, 0)::verifyChecksum);
    }
}
