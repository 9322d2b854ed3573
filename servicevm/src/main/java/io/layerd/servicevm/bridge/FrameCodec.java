package io.layerd.servicevm.bridge;

import io.layerd.api.servicevm.v1.Frame;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Length-prefixed frames: a 4-byte big-endian length, then one serialized {@link Frame}. Writers
 * serialise whole frames under a lock so frames of concurrent requests never interleave.
 */
public final class FrameCodec {
    private final InputStream in;
    private final OutputStream out;
    private final int maxFrameBytes;
    private final Object writeLock = new Object();
    private final byte[] header = new byte[4];

    public FrameCodec(InputStream in, OutputStream out, int maxFrameBytes) {
        this.in = in;
        this.out = out;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Thrown for a frame longer than allowed; its bytes have been skipped, the stream is usable. */
    public static final class OversizedFrameException extends IOException {
        private final long length;

        OversizedFrameException(long length, int max) {
            super("frame of " + length + " bytes is larger than the " + max + "-byte maximum; skipped");
            this.length = length;
        }

        public long length() {
            return length;
        }
    }

    /** Thrown when bytes that arrived are not a frame; the stream is usable after it. */
    public static final class MalformedFrameException extends IOException {
        MalformedFrameException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The next frame, or null at a clean end of stream (no partial frame). Not thread-safe: one reader. */
    public Frame read() throws IOException {
        int n = in.readNBytes(header, 0, 4);
        if (n == 0) {
            return null;
        }
        if (n < 4) {
            throw new EOFException("stream ended inside a frame header");
        }
        long length = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        if (length > maxFrameBytes) {
            skipFully(length);
            throw new OversizedFrameException(length, maxFrameBytes);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("stream ended inside a frame of " + length + " bytes");
        }
        try {
            return Frame.parseFrom(body);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new MalformedFrameException("a frame of " + length + " bytes is not a bridge frame: " + e.getMessage(), e);
        }
    }

    /** Writes one frame and flushes; safe from several threads. */
    public void write(Frame frame) throws IOException {
        byte[] body = frame.toByteArray();
        if (body.length > maxFrameBytes) {
            throw new IOException("refusing to send a frame of " + body.length + " bytes (maximum " + maxFrameBytes + ")");
        }
        writeRaw(body);
    }

    /** Writes a length and body as given: tests use it to send what a correct peer never would. */
    public void writeRaw(byte[] body) throws IOException {
        byte[] prefix = {(byte) (body.length >>> 24), (byte) (body.length >>> 16), (byte) (body.length >>> 8), (byte) body.length};
        synchronized (writeLock) {
            out.write(prefix);
            out.write(body);
            out.flush();
        }
    }

    private void skipFully(long length) throws IOException {
        byte[] scratch = new byte[64 << 10];
        long left = length;
        while (left > 0) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (r < 0) {
                throw new EOFException("stream ended inside an oversized frame");
            }
            left -= r;
        }
    }
}
