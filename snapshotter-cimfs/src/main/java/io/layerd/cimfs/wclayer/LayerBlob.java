package io.layerd.cimfs.wclayer;

import io.layerd.core.tar.UncompressedLayer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A layer blob read for import: decompressed (plain, gzip or zstd, told by its bytes) with the
 * diffID — the SHA-256 of the uncompressed tar — and the tar's size computed on the way.
 * {@link #check} is the import's check before the commit: it reads the tar to its end (the end
 * blocks count in the diffID), runs the caller's own check (a blob's digest), and gives the diffID
 * to the writer, which names the image by it.
 */
public final class LayerBlob implements Closeable {
    private final UncompressedLayer layer;
    private boolean checked;

    private LayerBlob(InputStream blob) throws IOException {
        layer = UncompressedLayer.open(blob);
    }

    public static LayerBlob open(InputStream blob) throws IOException {
        return new LayerBlob(blob);
    }

    /** The uncompressed tar. */
    public InputStream tar() {
        return layer.tar();
    }

    /** The check to import with; {@code afterTar} runs once the whole tar is read. */
    public WindowsLayerImporter.InputCheck check(WindowsLayerImporter.InputCheck.Check afterTar) {
        return WindowsLayerImporter.InputCheck.identifying(() -> {
            layer.tar().transferTo(OutputStream.nullOutputStream());
            afterTar.run();
            checked = true;
            return layer.diffIdBytes();
        });
    }

    /** "sha256:<hex>" of the uncompressed tar; known once {@link #check} has run. */
    public String diffId() {
        if (!checked) {
            throw new IllegalStateException("the diffID is known once the whole tar is read");
        }
        return layer.diffId();
    }

    /** Bytes of the uncompressed tar read so far (all of it once {@link #check} has run). */
    public long size() {
        return layer.size();
    }

    @Override
    public void close() throws IOException {
        layer.close();
    }
}
