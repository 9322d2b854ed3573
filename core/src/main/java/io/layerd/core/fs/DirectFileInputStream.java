package io.layerd.core.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Streams a file read with {@code O_DIRECT} (see {@link DirectIo} for why), one large request
 * ahead: while the consumer drains one buffer the next is being read, which stands in for the
 * kernel read-ahead that direct I/O gives up.
 */
public final class DirectFileInputStream extends InputStream {
    private static final int REQUEST = 4 << 20;

    private final FileChannel channel;
    private final ExecutorService prefetcher;
    private ByteBuffer current = DirectIo.alignedBuffer(REQUEST);
    private ByteBuffer spare = DirectIo.alignedBuffer(REQUEST);
    private CompletableFuture<Integer> pending;
    private long nextPosition;
    private boolean eof;
    private volatile boolean closed;

    private DirectFileInputStream(FileChannel channel) {
        this.channel = channel;
        this.prefetcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "direct-read");
            t.setDaemon(true);
            return t;
        });
        current.limit(0);
        pending = readAhead(spare);
    }

    /**
     * A stream over {@code file}: direct when it is a regular file of at least two requests on a
     * file system that allows it, otherwise {@link Files#newInputStream} (small files are not
     * worth the buffers and the thread).
     */
    public static InputStream open(Path file) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) >= 2L * REQUEST) {
            Optional<FileChannel> direct = DirectIo.openForReading(file);
            if (direct.isPresent()) {
                return new DirectFileInputStream(direct.get());
            }
        }
        return Files.newInputStream(file);
    }

    private CompletableFuture<Integer> readAhead(ByteBuffer into) {
        long position = nextPosition;
        nextPosition += REQUEST;
        if (closed) { // closed by another thread: the prefetcher takes no more requests
            return CompletableFuture.failedFuture(new IOException("stream closed"));
        }
        try {
            return prefetch(into, position);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IOException("stream closed"));
        }
    }

    private CompletableFuture<Integer> prefetch(ByteBuffer into, long position) {
        return CompletableFuture.supplyAsync(() -> {
            into.clear();
            try {
                long pos = position;
                while (into.hasRemaining()) {
                    int n = channel.read(into, pos);
                    if (n <= 0) {
                        break;
                    }
                    pos += n;
                    if (pos % DirectIo.ALIGNMENT != 0) {
                        break; // only the file's end makes a read stop mid-block (and no read may start there)
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            into.flip();
            return into.remaining();
        }, prefetcher);
    }

    /** Makes {@code current} the next filled buffer; false at the end of the file. */
    private boolean refill() throws IOException {
        if (eof) {
            return false;
        }
        int n;
        try {
            n = pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        } catch (ExecutionException e) {
            eof = true;
            pending = null;
            Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
        ByteBuffer filled = spare;
        spare = current;
        current = filled;
        if (n < REQUEST) {
            eof = true; // a short request means the file ended: do not ask again
            pending = null;
        } else {
            pending = readAhead(spare);
        }
        return n > 0;
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        if (!current.hasRemaining() && !refill()) {
            return -1;
        }
        return current.get() & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        int total = 0;
        while (total < len) {
            if (!current.hasRemaining() && (total > 0 || !refill())) {
                break;
            }
            int n = Math.min(len - total, current.remaining());
            current.get(b, off + total, n);
            total += n;
        }
        return total == 0 ? -1 : total;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        return current.remaining();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        prefetcher.shutdown();
        try {
            if (pending != null) {
                pending.exceptionally(e -> 0).join(); // its buffer must not be in use when the channel closes
            }
        } finally {
            channel.close();
        }
    }
}
