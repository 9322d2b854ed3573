package io.layerd.core.content;

import com.github.luben.zstd.ZstdOutputStream;
import io.layerd.core.tar.TarWriter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Small layer tars for differ tests, and their compressed forms, written into a content store. */
public final class TestLayers {
    public static final String TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

    private TestLayers() {
    }

    /**
     * A layer with a directory, files (one spanning several blocks), a symlink, a hard link, a
     * whiteout and an opaque-directory marker, padded to a 10 KiB record as GNU tar pads.
     */
    public static byte[] sampleTar() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TarWriter tar = new TarWriter(out);
            tar.putEntry(TarWriter.Entry.directory("etc"));
            file(tar, "etc/hostname", "layerd\n".getBytes(StandardCharsets.UTF_8));
            byte[] big = new byte[3 * 4096 + 100];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31 + 7);
            }
            file(tar, "usr/lib/big.bin", big);
            tar.putEntry(TarWriter.Entry.symlink("usr/lib/link", "big.bin"));
            tar.putEntry(TarWriter.Entry.hardLink("usr/lib/hard", "usr/lib/big.bin"));
            file(tar, "var/.wh.removed", new byte[0]);
            tar.putEntry(TarWriter.Entry.directory("opt"));
            file(tar, "opt/.wh..wh..opq", new byte[0]);
            tar.finish();
            while (out.size() % 10240 != 0) {
                out.write(0);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A layer holding one file of {@code bytes} pseudo-random (incompressible, non-zero) bytes. */
    public static byte[] tarWithFileOf(int bytes) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TarWriter tar = new TarWriter(out);
            byte[] data = new byte[bytes];
            new java.util.Random(42).nextBytes(data);
            file(tar, "data.bin", data);
            tar.finish();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void file(TarWriter tar, String name, byte[] data) throws IOException {
        tar.putFile(TarWriter.Entry.file(name, data.length), new ByteArrayInputStream(data));
    }

    public static byte[] gzip(byte[] data) {
        return compress(data, false);
    }

    public static byte[] zstd(byte[] data) {
        return compress(data, true);
    }

    private static byte[] compress(byte[] data, boolean zstd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = zstd ? new ZstdOutputStream(out) : new GZIPOutputStream(out)) {
            c.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Stores {@code blob} in {@code store} and returns its descriptor with {@code mediaType}. */
    public static Descriptor store(ContentStore store, byte[] blob, String mediaType) {
        String digest = Digests.of(blob);
        store.ingest("test-" + digest, new ByteArrayInputStream(blob), blob.length, digest);
        return new Descriptor(mediaType, digest, blob.length, null);
    }
}
