package io.layerd.core.tar;

import com.github.luben.zstd.ZstdInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Layer compression, recognised from the first bytes of the stream rather than trusted from a name. */
public enum Compression {
    NONE, GZIP, ZSTD;

    private static final int GZIP_1 = 0x1f;
    private static final int GZIP_2 = 0x8b;
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    /** Detects the compression of {@code in} (which must support mark/reset) without consuming it. */
    public static Compression detect(InputStream in) throws IOException {
        in.mark(4);
        byte[] head = in.readNBytes(4);
        in.reset();
        if (head.length >= 2 && (head[0] & 0xff) == GZIP_1 && (head[1] & 0xff) == GZIP_2) {
            return GZIP;
        }
        if (head.length == 4 && java.util.Arrays.equals(head, ZSTD_MAGIC)) {
            return ZSTD;
        }
        return NONE;
    }

    /**
     * The uncompressed stream of {@code raw}. Decompression runs on a separate thread into a
     * bounded queue of chunks, so it overlaps with the consumer's work.
     */
    public static InputStream decompressed(InputStream raw) throws IOException {
        return decompressed(raw, null);
    }

    /**
     * As {@link #decompressed(InputStream)}, also feeding every uncompressed byte to
     * {@code digest} on a read-ahead thread of its own (the diffID costs the consumer nothing).
     * Plain input goes through a read-ahead thread too, so reading overlaps with writing.
     */
    public static InputStream decompressed(InputStream raw, java.security.MessageDigest digest) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        Compression c = detect(in);
        InputStream plain = switch (c) {
            case NONE -> in;
            // ISA-L inflates about three times as fast as the JDK's zlib where it is installed.
            case GZIP -> IsalGzipInputStream.supported() ? new IsalGzipInputStream(in) : new GZIPInputStream(in, 1 << 16);
            case ZSTD -> new ZstdInputStream(in);
        };
        if (c == NONE) {
            // Reading a file costs little: one thread reads and hashes.
            return new ReadAheadInputStream(digest == null ? in : new java.security.DigestInputStream(in, digest), "tar");
        }
        InputStream decompressing = new ReadAheadInputStream(plain, c.name().toLowerCase(java.util.Locale.ROOT));
        if (digest == null) {
            return decompressing;
        }
        // Inflating and hashing each take a core's worth of time on big layers: a second stage
        // hashes what the first decompressed, so neither waits for the other.
        return new ReadAheadInputStream(new java.security.DigestInputStream(decompressing, digest), "digest");
    }
}
