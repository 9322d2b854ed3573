package io.layerd.core.tar;

import io.layerd.core.io.CountingInputStream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A layer blob read as its uncompressed tar (plain, gzip or zstd, told by its bytes), with the
 * diffID — the SHA-256 of every uncompressed byte, end blocks and trailing bytes included — and
 * the tar's size computed on the way, so a layer is read exactly once whatever it is written into.
 */
public final class UncompressedLayer implements Closeable {
    private final MessageDigest sha256;
    private final InputStream decompressed;
    private final CountingInputStream tar;
    private byte[] diffId;

    private UncompressedLayer(InputStream blob) throws IOException {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
        decompressed = Compression.decompressed(blob, sha256);
        tar = new CountingInputStream(decompressed);
    }

    public static UncompressedLayer open(InputStream blob) throws IOException {
        return new UncompressedLayer(blob);
    }

    /** The uncompressed tar. */
    public InputStream tar() {
        return tar;
    }

    /** Bytes of the uncompressed tar read so far. */
    public long size() {
        return tar.count();
    }

    /**
     * The SHA-256 of the uncompressed tar; call once the whole tar has been read (the first call
     * completes the digest, later calls return the same bytes).
     */
    public byte[] diffIdBytes() {
        if (diffId == null) {
            diffId = sha256.digest();
        }
        return diffId.clone();
    }

    /** {@code sha256:<hex>} of {@link #diffIdBytes}. */
    public String diffId() {
        return "sha256:" + HexFormat.of().formatHex(diffIdBytes());
    }

    @Override
    public void close() throws IOException {
        decompressed.close();
    }
}
