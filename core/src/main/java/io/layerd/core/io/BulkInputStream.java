package io.layerd.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * An input stream defined by its bulk read alone: streams over sockets, ports, chunk queues, gRPC
 * responses and tar entries, where a single-byte read and an empty read follow from the bulk one
 * and need not be written again in each of them.
 */
public abstract class BulkInputStream extends InputStream {
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
            n = readBulk(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : readBulk(b, off, len);
    }

    /** Reads between 1 and {@code len} bytes ({@code len > 0}), or returns -1 at the end of the stream. */
    protected abstract int readBulk(byte[] b, int off, int len) throws IOException;
}
