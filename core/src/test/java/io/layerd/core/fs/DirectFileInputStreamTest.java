package io.layerd.core.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DirectFileInputStreamTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private void assumeDirectIo() throws IOException {
        Path probe = Files.write(dir.resolve("probe"), new byte[4096]);
        Optional<FileChannel> ch = DirectIo.openForReading(probe);
        assumeTrue(ch.isPresent(), "the file system of " + dir + " does not allow O_DIRECT");
        ch.get().close();
    }

    private static byte[] content(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    /** Sizes on and around the 4 KiB blocks and the 4 MiB requests, including a tail mid-block. */
    @ParameterizedTest
    @ValueSource(ints = {8 * MIB, 8 * MIB + 1, 8 * MIB + 4095, 12 * MIB - 1, 12 * MIB + 4096, 13 * MIB + 512})
    void readsEveryByteInOrder(int size) throws IOException {
        assumeDirectIo();
        byte[] expected = content(size);
        Path file = Files.write(dir.resolve("f"), expected);
        try (InputStream in = DirectFileInputStream.open(file)) {
            assertInstanceOf(DirectFileInputStream.class, in);
            byte[] got = new byte[size];
            int pos = 0;
            int step = 1;
            while (pos < size) { // mixed read sizes, so reads straddle the buffers
                int n = in.read(got, pos, Math.min(step, size - pos));
                assertFalse(n <= 0, "early end at " + pos);
                pos += n;
                step = step * 7 % 1_000_003 + 1;
            }
            assertArrayEquals(expected, got);
            assertEquals(-1, in.read());
            assertEquals(-1, in.read(new byte[10], 0, 10));
        }
    }

    @Test
    void singleByteReadsAgreeWithTheBulkOnes() throws IOException {
        assumeDirectIo();
        byte[] expected = content(8 * MIB + 3);
        Path file = Files.write(dir.resolve("f"), expected);
        try (InputStream in = DirectFileInputStream.open(file)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(expected[i] & 0xff, in.read());
            }
            byte[] rest = in.readAllBytes();
            assertEquals(expected.length - 5, rest.length);
            assertArrayEquals(java.util.Arrays.copyOfRange(expected, 5, expected.length), rest);
        }
    }

    @Test
    void smallFilesAndClosedStreams() throws IOException {
        Path small = Files.write(dir.resolve("small"), content(1000));
        try (InputStream in = DirectFileInputStream.open(small)) {
            assertFalse(in instanceof DirectFileInputStream, "a small file is read through the page cache");
            assertArrayEquals(content(1000), in.readAllBytes());
        }
        assumeDirectIo();
        Path big = Files.write(dir.resolve("big"), content(9 * MIB));
        InputStream in = DirectFileInputStream.open(big);
        in.read();
        in.close();
        in.close();
        assertThrows(IOException.class, in::read);
    }
}
