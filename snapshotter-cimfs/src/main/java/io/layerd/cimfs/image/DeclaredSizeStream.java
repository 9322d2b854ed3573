package io.layerd.cimfs.image;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The stream {@link CimImageWriter#createFile} hands out: it takes exactly the size declared with
 * the file, as CimFS.dll's writer does — more is refused at once, fewer is an error at close.
 * Writers supply where the bytes go and what closing means to them.
 */
public abstract class DeclaredSizeStream extends OutputStream {
    protected final String path;
    protected final long size;
    private long written;
    private boolean closed;

    protected DeclaredSizeStream(String path, long size) {
        this.path = path;
        this.size = size;
    }

    /** Passes {@code len} more of the declared bytes on. */
    protected abstract void accept(byte[] b, int off, int len) throws IOException;

    /**
     * Ends the stream in the writer, complete or not ({@code complete}); a short stream's error is
     * raised after it, with this method's failure attached.
     */
    protected abstract void end(boolean complete) throws IOException;

    public String path() {
        return path;
    }

    public long written() {
        return written;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("\"" + path + "\": the stream is closed");
        }
        if (written + len > size) {
            throw new IOException("\"" + path + "\": more than its declared " + size + " bytes");
        }
        accept(b, off, len);
        written += len;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (written == size) {
            end(true);
            return;
        }
        IOException shortWrite = new IOException("\"" + path + "\": closed after " + written + " of its declared " + size + " bytes");
        try {
            end(false);
        } catch (IOException e) {
            shortWrite.addSuppressed(e);
        }
        throw shortWrite;
    }
}
