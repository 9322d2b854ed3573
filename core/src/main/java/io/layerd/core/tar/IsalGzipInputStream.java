package io.layerd.core.tar;

import com.sun.jna.Memory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipException;

/**
 * Decompresses a gzip stream with ISA-L ({@link IsalLibrary}); behaves as
 * {@link java.util.zip.GZIPInputStream} does: members concatenated one after the other are read
 * as one stream, bytes after the last member that do not start another are ignored, a stream that
 * ends inside a member is an {@link EOFException} and damaged data a {@link ZipException}.
 */
final class IsalGzipInputStream extends InputStream {
    private static final int IN_SIZE = 256 << 10;
    private static final int OUT_SIZE = 256 << 10;
    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;

    private final IsalLibrary isal;
    private final InputStream source;
    private final Memory state = new Memory(IsalInflateState.SIZE);
    private final Memory in = new Memory(IN_SIZE);
    private final Memory out = new Memory(OUT_SIZE);
    private final byte[] transfer = new byte[IN_SIZE];
    private final byte[] one = new byte[1];
    /** Compressed bytes in {@link #in} not yet consumed: {@code [inStart, inStart + inAvailable)}. */
    private int inStart;
    private int inAvailable;
    private boolean sourceEnded;
    /** Decompressed bytes in {@link #out} not yet returned: {@code [outStart, outEnd)}. */
    private int outStart;
    private int outEnd;
    private boolean memberFinished;
    private boolean ended;
    private volatile boolean closed;

    static boolean supported() {
        return IsalLibrary.INSTANCE != null;
    }

    IsalGzipInputStream(InputStream source) {
        this.isal = IsalLibrary.INSTANCE;
        if (isal == null) {
            throw new IllegalStateException("ISA-L (libisal.so.2) is not available");
        }
        this.source = source;
        state.clear();
        isal.isal_inflate_init(state);
        state.setInt(IsalInflateState.CRC_FLAG, IsalInflateState.CRC_FLAG_GZIP);
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (outStart == outEnd) {
            if (!inflate()) {
                return -1;
            }
        }
        int n = Math.min(len, outEnd - outStart);
        out.read(outStart, b, off, n);
        outStart += n;
        return n;
    }

    /** Inflates more into {@link #out}; false at the end of the stream. */
    private boolean inflate() throws IOException {
        if (ended) {
            return false;
        }
        if (memberFinished && !startNextMember()) {
            ended = true;
            return false;
        }
        if (inAvailable == 0 && fill(1) == 0) {
            throw new EOFException("unexpected end of gzip stream");
        }
        state.setPointer(IsalInflateState.NEXT_IN, in.share(inStart));
        state.setInt(IsalInflateState.AVAIL_IN, inAvailable);
        state.setPointer(IsalInflateState.NEXT_OUT, out);
        state.setInt(IsalInflateState.AVAIL_OUT, OUT_SIZE);
        int rc = isal.isal_inflate(state);
        if (rc < 0) {
            throw new ZipException(IsalInflateState.error(rc));
        }
        int left = state.getInt(IsalInflateState.AVAIL_IN);
        inStart += inAvailable - left;
        inAvailable = left;
        outStart = 0;
        outEnd = OUT_SIZE - state.getInt(IsalInflateState.AVAIL_OUT);
        memberFinished = state.getInt(IsalInflateState.BLOCK_STATE) == IsalInflateState.BLOCK_FINISH;
        return true;
    }

    /** After a member: true if another one follows (and the state is ready for it). */
    private boolean startNextMember() throws IOException {
        if (fill(2) < 2
                || (in.getByte(inStart) & 0xff) != GZIP_MAGIC_1 || (in.getByte(inStart + 1) & 0xff) != GZIP_MAGIC_2) {
            return false; // the end, or trailing bytes that are not gzip: ignored, as GZIPInputStream does
        }
        isal.isal_inflate_reset(state);
        state.setInt(IsalInflateState.CRC_FLAG, IsalInflateState.CRC_FLAG_GZIP);
        memberFinished = false;
        return true;
    }

    /** Reads from the source until at least {@code wanted} bytes are buffered or it ends; returns the buffered count. */
    private int fill(int wanted) throws IOException {
        if (inAvailable >= wanted || sourceEnded) {
            return inAvailable;
        }
        if (inAvailable > 0 && inStart > 0) {
            in.write(0, in.getByteArray(inStart, inAvailable), 0, inAvailable);
        }
        inStart = 0;
        while (inAvailable < wanted) {
            int n = source.read(transfer, 0, IN_SIZE - inAvailable);
            if (n < 0) {
                sourceEnded = true;
                break;
            }
            in.write(inAvailable, transfer, 0, n);
            inAvailable += n;
        }
        return inAvailable;
    }

    /**
     * Closes the source. The native buffers are not freed here but by the garbage collector once
     * the stream is unreachable: a read-ahead thread may still be inside {@link #read} when its
     * consumer closes the stream, and must never touch freed memory.
     */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            source.close();
        }
    }
}
