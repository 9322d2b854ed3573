package io.layerd.cimfs.wclayer;

import io.layerd.core.io.CountingInputStream;
import io.layerd.core.tar.Compression;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A layer blob read for import: decompressed (plain, gzip or zstd, told by its bytes) with the
 * diffID — the SHA-256 of the uncompressed tar — and the tar's size computed on the way.
 * {@link #check} is the import's check before the commit: it reads the tar to its end (the end
 * blocks count in the diffID), runs the caller's own check (a blob's digest), and gives the diffID
 * to the writer, which names the image by it.
 */
public final class LayerBlob implements Closeable {
    private final MessageDigest sha256;
    private final InputStream decompressed;
    private final CountingInputStream tar;
    private byte[] diffId;

    private LayerBlob(InputStream blob) throws IOException {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        decompressed = Compression.decompressed(blob, sha256);
        tar = new CountingInputStream(decompressed);
    }

    public static LayerBlob open(InputStream blob) throws IOException {
        return new LayerBlob(blob);
    }

    /** The uncompressed tar. */
    public InputStream tar() {
        return tar;
    }

    /** The check to import with; {@code afterTar} runs once the whole tar is read. */
    public WindowsLayerImporter.InputCheck check(WindowsLayerImporter.InputCheck.Check afterTar) {
        return WindowsLayerImporter.InputCheck.identifying(() -> {
            tar.transferTo(OutputStream.nullOutputStream());
            afterTar.run();
            diffId = sha256.digest();
            return diffId;
        });
    }

    /** "sha256:<hex>" of the uncompressed tar; known once {@link #check} has run. */
    public String diffId() {
        if (diffId == null) {
            throw new IllegalStateException("the diffID is known once the whole tar is read");
        }
        return "sha256:" + HexFormat.of().formatHex(diffId);
    }

    /** Bytes of the uncompressed tar read so far (all of it once {@link #check} has run). */
    public long size() {
        return tar.count();
    }

    @Override
    public void close() throws IOException {
        decompressed.close();
    }
}
