package io.layerd.core.tar;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ISA-L's inflate through {@link IsalInflateState}'s layout, checked against the JDK's gzip on
 * the same streams. The test command installs {@code libisal2}, so the library must load here.
 */
class IsalGzipInputStreamTest {
    @BeforeAll
    static void isalIsInstalled() {
        assertTrue(IsalGzipInputStream.supported(),
                "libisal.so.2 did not load or failed its self-test (apt-get install libisal2)");
    }

    /** Text-like data that compresses (long matches) mixed with random runs (stored and coded blocks). */
    private static byte[] data(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        byte[] words = "layerd ext4 image of a layer tar, block group, inode table, extent tree. "
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size; ) {
            int run = Math.min(size - i, 1 + r.nextInt(5000));
            if (r.nextInt(4) == 0) {
                for (int j = 0; j < run; j++) {
                    b[i + j] = (byte) r.nextInt();
                }
            } else {
                int start = r.nextInt(words.length);
                for (int j = 0; j < run; j++) {
                    b[i + j] = words[(start + j) % words.length];
                }
            }
            i += run;
        }
        return b;
    }

    private static byte[] gzip(byte[] data, int level) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes, 1 << 16) {
            {
                def.setLevel(level);
            }
        }) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] inflate(byte[] gz, int readSize) throws IOException {
        try (InputStream in = new IsalGzipInputStream(new TrickleInputStream(gz, 7919))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[readSize];
            for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void inflatesWhatTheJdkDeflatesAtEveryLevel() throws IOException {
        for (int level : new int[]{0, 1, 6, 9}) {
            for (int size : new int[]{0, 1, 65_535, 3_000_001}) {
                byte[] data = data(size, size + level);
                assertArrayEquals(data, inflate(gzip(data, level), 100_003), "level " + level + ", " + size + " bytes");
            }
        }
    }

    @Test
    void singleByteAndBulkReadsAgree() throws IOException {
        byte[] data = data(300_000, 1);
        try (InputStream in = new IsalGzipInputStream(new ByteArrayInputStream(gzip(data, 6)))) {
            for (int i = 0; i < 1000; i++) {
                assertEquals(data[i] & 0xff, in.read());
            }
            assertArrayEquals(Arrays.copyOfRange(data, 1000, data.length), in.readAllBytes());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void concatenatedMembersReadAsOneStream() throws IOException {
        byte[] a = data(1_000_000, 2);
        byte[] b = data(10, 3);
        byte[] c = data(700_000, 4);
        byte[] joined = concat(gzip(a, 1), gzip(b, 9), gzip(new byte[0], 6), gzip(c, 6));
        assertArrayEquals(concat(a, b, c), inflate(joined, 65_536));
        assertArrayEquals(concat(a, b, c), new GZIPInputStream(new ByteArrayInputStream(joined)).readAllBytes(),
                "the JDK reads the same");
    }

    @Test
    void headerFieldsAreSkipped() throws IOException {
        byte[] data = data(200_000, 5);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(raw, new Deflater(6, true))) {
            d.write(data);
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        // FEXTRA | FNAME | FCOMMENT, as gzip(1) and other tools write them.
        gz.writeBytes(new byte[]{0x1f, (byte) 0x8b, 8, 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3});
        gz.writeBytes(new byte[]{5, 0, 'A', 'B', 2, 0, 'x'});
        gz.writeBytes("layer.tar\0".getBytes(StandardCharsets.US_ASCII));
        gz.writeBytes("a comment\0".getBytes(StandardCharsets.US_ASCII));
        gz.writeBytes(raw.toByteArray());
        long v = crc.getValue();
        gz.writeBytes(new byte[]{(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
        int n = data.length;
        gz.writeBytes(new byte[]{(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)});
        assertArrayEquals(data, inflate(gz.toByteArray(), 4096));
    }

    @Test
    void trailingBytesThatAreNotGzipAreIgnoredAsTheJdkDoes() throws IOException {
        byte[] data = data(50_000, 6);
        byte[] withZeros = concat(gzip(data, 6), new byte[1024]);
        assertArrayEquals(data, inflate(withZeros, 8192));
        assertArrayEquals(data, new GZIPInputStream(new ByteArrayInputStream(withZeros)).readAllBytes());
    }

    @Test
    void truncatedStreamIsAnEofError() throws IOException {
        byte[] gz = gzip(data(2_000_000, 7), 6);
        for (int cut : new int[]{1, 9, 500, gz.length / 2, gz.length - 5, gz.length - 1}) {
            assertThrows(EOFException.class, () -> inflate(Arrays.copyOf(gz, cut), 65_536), "cut at " + cut);
        }
    }

    @Test
    void damagedDataAndTrailerAreZipErrors() throws IOException {
        byte[] data = data(500_000, 8);
        byte[] gz = gzip(data, 6);

        byte[] badCrc = gz.clone();
        badCrc[gz.length - 6] ^= 0x01;
        ZipException crc = assertThrows(ZipException.class, () -> inflate(badCrc, 65_536));
        assertTrue(crc.getMessage().contains("CRC-32"), crc.getMessage());

        byte[] badLength = gz.clone();
        badLength[gz.length - 2] ^= 0x01;
        assertThrows(ZipException.class, () -> inflate(badLength, 65_536));

        byte[] badMethod = gz.clone();
        badMethod[2] = 7;
        assertThrows(ZipException.class, () -> inflate(badMethod, 65_536));

        byte[] badBlockType = gz.clone();
        badBlockType[10] |= 0x06; // BTYPE 11: reserved
        assertInstanceOf(ZipException.class, assertThrows(IOException.class, () -> inflate(badBlockType, 65_536)));

        int flipped = 0;
        for (int at = 20; at < gz.length - 8; at += gz.length / 40) {
            byte[] damaged = gz.clone();
            damaged[at] ^= 0x5a;
            try {
                byte[] out = inflate(damaged, 65_536);
                throw new AssertionError("damage at " + at + " went unnoticed (" + out.length + " bytes)");
            } catch (ZipException | EOFException expected) {
                flipped++;
            }
        }
        assertTrue(flipped >= 30);
    }

    @Test
    void compressionDetectionPicksIsal() throws IOException {
        byte[] data = data(1_000_000, 9);
        try (InputStream in = Compression.decompressed(new ByteArrayInputStream(gzip(data, 6)))) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    /**
     * A consumer that stops early closes the stream while its read-ahead thread is still
     * inflating: that thread must never touch freed native memory (it crashed the JVM once).
     */
    @Test
    void closingWhileTheReadAheadThreadInflatesIsSafe() throws IOException {
        byte[] gz = gzip(data(4_000_000, 10), 1);
        for (int i = 0; i < 200; i++) {
            InputStream in = Compression.decompressed(new ByteArrayInputStream(gz));
            assertTrue(in.read() >= 0);
            in.close();
        }
        // Still working afterwards, in this JVM.
        assertArrayEquals(data(1000, 11), inflate(gzip(data(1000, 11), 6), 100));
    }

    /** Hands out at most {@code step} bytes per read, so members and headers straddle the buffer refills. */
    private static final class TrickleInputStream extends ByteArrayInputStream {
        private final int step;

        TrickleInputStream(byte[] buf, int step) {
            super(buf);
            this.step = step;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, step));
        }
    }
}
