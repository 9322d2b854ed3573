package io.layerd.differ;

import io.layerd.core.content.Digests;
import io.layerd.core.io.BulkInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * The compressed bytes of a blob as read from the content store, counted and hashed on the way
 * through, so the blob's own digest costs no second read. A decompressor may stop before the end
 * of the blob (trailing bytes after a gzip member), so {@link #drainAndVerify()} reads the rest
 * before comparing. Closing does nothing: the consumer closes its decompressing wrapper before the
 * check, and the blob is closed by whoever opened it.
 */
public final class VerifyingBlobInput extends BulkInputStream {
    private final InputStream in;
    private final String expectedDigest;
    private final long expectedSize;
    private final MessageDigest sha256 = Digests.sha256();
    private long count;

    /** Refuses a blob the content store holds at another size than its descriptor says (FAILED_PRECONDITION). */
    public static void requireStoredSize(io.layerd.core.content.ContentStore store, String digest, long size) {
        long stored = store.info(digest).size();
        if (stored != size) {
            throw io.layerd.core.errors.LayerdException.failedPrecondition("layer %s: content store holds %d bytes, descriptor says %d",
                    digest, stored, size);
        }
    }

    public VerifyingBlobInput(InputStream in, String expectedDigest, long expectedSize) {
        this.in = in;
        this.expectedDigest = expectedDigest;
        this.expectedSize = expectedSize;
    }

    @Override
    protected int readBulk(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            sha256.update(b, off, n);
            count += n;
            if (count > expectedSize) {
                throw new BlobMismatchException("layer " + expectedDigest + ": blob is longer than the " + expectedSize
                        + " bytes its descriptor gives");
            }
        }
        return n;
    }

    /** Reads what is left and throws {@link BlobMismatchException} unless size and digest match. */
    public void drainAndVerify() throws IOException {
        byte[] buf = new byte[1 << 16];
        while (read(buf, 0, buf.length) >= 0) {
            // only counted and hashed
        }
        if (count != expectedSize) {
            throw new BlobMismatchException("layer " + expectedDigest + ": blob has " + count + " bytes, its descriptor "
                    + expectedSize);
        }
        String actual = Digests.of(sha256);
        if (!actual.equals(expectedDigest)) {
            throw new BlobMismatchException("layer " + expectedDigest + ": blob content has digest " + actual);
        }
    }

    @Override
    public void close() {
    }

    /** The blob's bytes are not the ones its descriptor names. */
    public static final class BlobMismatchException extends IOException {
        BlobMismatchException(String message) {
            super(message);
        }
    }
}
