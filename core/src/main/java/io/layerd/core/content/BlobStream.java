package io.layerd.core.content;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** An opened blob: its size as the store recorded it and the stream of its bytes. */
public record BlobStream(String digest, long size, InputStream data) implements Closeable {
    @Override
    public void close() throws IOException {
        data.close();
    }
}
