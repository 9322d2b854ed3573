package io.layerd.core.content;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;

/**
 * One blob being written. Bytes go in with {@link #write}; {@link #commit()} checks them against
 * the expected size and digest and only then makes the blob visible. {@link #close()} after a
 * commit does nothing; before it, it discards everything written.
 */
public interface ContentWriter extends Closeable {
    void write(byte[] b, int off, int len) throws IOException;

    /**
     * Makes the blob visible under its digest, which it returns. FAILED_PRECONDITION when the bytes
     * do not match the expected size or digest (nothing is kept), ALREADY_EXISTS when the store
     * already holds that blob (containerd's callers treat this as success).
     */
    default String commit() throws IOException {
        return commit(Map.of());
    }

    /**
     * {@link #commit()}, setting {@code labels} on the committed blob where the store keeps labels
     * (containerd's does; layerd's local store keeps none, as containerd's on-disk store).
     */
    String commit(Map<String, String> labels) throws IOException;

    @Override
    void close() throws IOException;
}
