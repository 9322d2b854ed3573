package io.layerd.core.io;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Collects writes into chunks of a fixed size and hands each full one to {@link #emit}; {@link
 * #flush} hands over what has been collected so far. The chunk array belongs to the receiver
 * afterwards (a new one is allocated), so it may be queued without a copy.
 */
public abstract class ChunkingOutputStream extends OutputStream {
    private final int chunkSize;
    private byte[] buf;
    private int count;

    protected ChunkingOutputStream(int chunkSize) {
        this.chunkSize = chunkSize;
        this.buf = new byte[chunkSize];
    }

    /** Receives {@code length} bytes at the start of {@code chunk}, which it may keep. */
    protected abstract void emit(byte[] chunk, int length) throws IOException;

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, buf.length - count);
            System.arraycopy(b, off, buf, count, n);
            count += n;
            off += n;
            len -= n;
            if (count == buf.length) {
                flush();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (count == 0) {
            return;
        }
        byte[] full = buf;
        int length = count;
        buf = new byte[chunkSize];
        count = 0;
        emit(full, length);
    }
}
