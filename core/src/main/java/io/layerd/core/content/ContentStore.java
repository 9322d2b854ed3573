package io.layerd.core.content;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A content-addressed blob store, as containerd's {@code content.Store} sees it: blobs are named by
 * their {@code sha256:<hex>} digest, written once through a {@link ContentWriter} that checks size
 * and digest before the blob becomes visible, and read as streams.
 *
 * <p>Errors: an unknown digest is NOT_FOUND, a malformed one INVALID_ARGUMENT, a blob whose bytes do
 * not match the size or digest it was written under FAILED_PRECONDITION (as containerd's commit).
 */
public interface ContentStore {

    /** Size and labels of a committed blob; NOT_FOUND when the store does not hold it. */
    ContentInfo info(String digest);

    /**
     * Opens a committed blob for one sequential read. The stream yields the stored bytes as they
     * are; checking them against the digest is the reader's business (it reads them anyway).
     */
    BlobStream open(String digest);

    /**
     * Starts writing a blob expected to be {@code expectedSize} bytes with digest
     * {@code expectedDigest}. Closing the writer without {@link ContentWriter#commit()} discards it.
     */
    ContentWriter writer(String ref, long expectedSize, String expectedDigest);

    /** Deletes a committed blob; NOT_FOUND when there is none. */
    void delete(String digest);

    /**
     * Writes all of {@code data} as the blob {@code expectedDigest}. A blob that is already present is
     * success, as in containerd's {@code content.WriteBlob}.
     */
    default void ingest(String ref, InputStream data, long expectedSize, String expectedDigest) {
        ingest(ref, data, expectedSize, expectedDigest, Map.of());
    }

    /** {@link #ingest(String, InputStream, long, String)} with {@code labels} set on commit (where the store keeps labels). */
    default void ingest(String ref, InputStream data, long expectedSize, String expectedDigest, Map<String, String> labels) {
        try (ContentWriter w = writer(ref, expectedSize, expectedDigest)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = data.read(buf)) >= 0; ) {
                w.write(buf, 0, n);
            }
            w.commit(labels);
        } catch (LayerdException e) {
            if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("content " + expectedDigest + ": " + e.getMessage(), e);
        }
    }
}
