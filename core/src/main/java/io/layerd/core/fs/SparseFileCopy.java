package io.layerd.core.fs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Copies a file and leaves a hole wherever the source reads as zeros. A dynamic VHDX keeps its
 * log and unused table space as zeros, so its copy stays as small on disk as the original; and a
 * compacted scratch template is a few MiB, so the copy takes milliseconds whatever the disk's
 * virtual size.
 */
public final class SparseFileCopy {
    /** VHDX regions and payload blocks are 1 MiB aligned: chunks of that size never straddle two. */
    private static final int CHUNK = 1 << 20;
    /** The granularity of holes: a file system block. */
    private static final int PAGE = 4096;

    private SparseFileCopy() {
    }

    /** Copies {@code source} to the new file {@code target} and forces it to disk. */
    public static void copy(Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             RandomAccessFile raf = new RandomAccessFile(target.toFile(), "rw")) {
            FileChannel out = raf.getChannel();
            long size = in.size();
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            for (long pos = 0; pos < size; pos += CHUNK) {
                buf.clear().limit((int) Math.min(CHUNK, size - pos));
                while (buf.hasRemaining()) {
                    if (in.read(buf, pos + buf.position()) < 0) {
                        throw new IOException(source + " shrank while being copied");
                    }
                }
                buf.flip();
                writeNonZeroPages(buf, out, pos);
            }
            raf.setLength(size); // a trailing hole is not written by the loop
            out.force(true);
        }
    }

    /**
     * Writes the runs of pages of {@code buf} that hold a non-zero byte: a 1 MiB read with a few
     * bytes of metadata in it costs those pages on disk, not the whole MiB.
     */
    private static void writeNonZeroPages(ByteBuffer buf, FileChannel out, long filePos) throws IOException {
        int limit = buf.limit();
        int runStart = -1;
        for (int page = 0; page < limit; page += PAGE) {
            int end = Math.min(page + PAGE, limit);
            boolean zero = isZero(buf.duplicate().position(page).limit(end));
            if (!zero && runStart < 0) {
                runStart = page;
            }
            if ((zero || end == limit) && runStart >= 0) {
                int runEnd = zero ? page : end;
                ByteBuffer run = buf.duplicate().position(runStart).limit(runEnd);
                while (run.hasRemaining()) {
                    out.write(run, filePos + run.position());
                }
                runStart = -1;
            }
        }
    }

    static boolean isZero(ByteBuffer buf) {
        int i = buf.position();
        int end = buf.limit();
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
