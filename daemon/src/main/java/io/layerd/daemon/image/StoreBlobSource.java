package io.layerd.daemon.image;

import io.layerd.core.content.BlobStream;
import io.layerd.core.content.ContentStore;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.errors.LayerdException;

import java.io.IOException;
import java.io.InputStream;

/**
 * Small blobs (indexes, manifests, configs) read whole from any {@link ContentStore} — containerd's
 * or layerd's local one — and checked against their descriptor's size and digest.
 */
final class StoreBlobSource implements BlobSource {
    /** Manifests and configs are small; a larger "manifest" is refused rather than buffered. */
    static final int MAX_SMALL_BLOB = 16 << 20;

    private final ContentStore store;

    StoreBlobSource(ContentStore store) {
        this.store = store;
    }

    @Override
    public byte[] read(Descriptor d) throws IOException {
        if (d.size() > MAX_SMALL_BLOB) {
            throw LayerdException.invalidArgument("%s (%s) is %d bytes, too large for a manifest or config", d.digest(), d.mediaType(), d.size());
        }
        byte[] bytes;
        try (BlobStream blob = store.open(d.digest()); InputStream in = blob.data()) {
            bytes = in.readNBytes((int) d.size() + 1);
        }
        String actual = Digests.of(bytes);
        if (bytes.length != d.size() || !actual.equals(d.digest())) {
            throw LayerdException.failedPrecondition("content %s is %d bytes with digest %s, expected %d bytes",
                    d.digest(), bytes.length, actual, d.size());
        }
        return bytes;
    }
}
