package io.layerd.lcow.ext4;

import io.layerd.core.fs.DirectIo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The block writer hands runs to a background thread; what reaches the file must not depend on that. */
@Timeout(60) // a lost buffer would make the writer wait forever: fail instead of hanging the build
class BlockOutputTest {
    private static final int B = Ext4.BLOCK_SIZE;

    @TempDir
    Path dir;

    private static byte[] block(long number, int version) {
        byte[] b = new byte[B];
        new Random(number * 31 + version).nextBytes(b);
        return b;
    }

    @Test
    void everyRunLandsInPlaceInWriteOrderThroughADirectChannel() throws IOException {
        Path file = Files.createFile(dir.resolve("image"));
        long base = 3 * B; // as when the image sits after a header in a bigger file
        List<long[]> shown = new ArrayList<>();
        byte[] expected = new byte[(int) base + 2000 * B];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE);
             FileChannel direct = DirectIo.open(file, StandardOpenOption.WRITE).orElse(null)) {
            BlockOutput out = new BlockOutput(direct != null ? direct : ch, base, (first, blocks) ->
                    shown.add(new long[]{first, blocks.remaining() / B}));
            // Long runs (several buffers), a gap, going back, short runs and a block written twice.
            long[] order = new long[1500];
            for (int i = 0; i < 1000; i++) {
                order[i] = 500 + i;
            }
            for (int i = 0; i < 400; i++) {
                order[1000 + i] = 1600 + i * 1;
            }
            for (int i = 0; i < 99; i++) {
                order[1400 + i] = i * 3;
            }
            order[1499] = 700; // again: the later version must win
            for (int i = 0; i < order.length; i++) {
                int version = i == order.length - 1 ? 2 : 1;
                byte[] b = block(order[i], version);
                if (i % 2 == 0) {
                    out.write(order[i], b, 0, B);
                } else {
                    out.write(order[i], ByteBuffer.wrap(b));
                }
                System.arraycopy(b, 0, expected, (int) (base + order[i] * B), B);
            }
            out.write(2000 - 1, new byte[]{1, 2, 3}, 0, 3); // a partial block: zero-padded
            System.arraycopy(new byte[B], 0, expected, (int) (base + 1999L * B), B);
            System.arraycopy(new byte[]{1, 2, 3}, 0, expected, (int) (base + 1999L * B), 3);
            out.flush();
            assertEquals(2000, out.furthestBlock());
        }
        byte[] got = Files.readAllBytes(file);
        assertEquals(expected.length, got.length);
        for (long n = 0; n < 2000; n++) {
            int at = (int) (base + n * B);
            assertArrayEquals(Arrays.copyOfRange(expected, at, at + B), Arrays.copyOfRange(got, at, at + B), "block " + n);
        }
        // The listener saw every block once per write, in order, as runs of at most one buffer.
        long blocksShown = shown.stream().mapToLong(r -> r[1]).sum();
        assertEquals(1500 + 1, blocksShown);
        assertEquals(500, shown.get(0)[0]);
        assertEquals(700, shown.get(shown.size() - 2)[0], "the rewritten block, shown again");
        assertEquals(1999, shown.get(shown.size() - 1)[0]);
    }

    /** Several runs are written at once; a block rewritten while its earlier run is in flight must still end up last-written. */
    @Test
    void rewritesWinOverEarlierRunsStillInFlight() throws IOException {
        Path file = Files.createFile(dir.resolve("image"));
        int versions = 20;
        try (FileChannel ch = new SlowLongWrites(FileChannel.open(file, StandardOpenOption.WRITE))) {
            BlockOutput out = new BlockOutput(ch, 0, null);
            // Each round: a long run over blocks 0..511 (two buffers, each write held back a while), then
            // blocks 7 and 300 again as runs of their own, which overlap long runs still being written.
            for (int v = 1; v <= versions; v++) {
                for (long n = 0; n < 512; n++) {
                    out.write(n, block(n, v), 0, B);
                }
                out.write(7, block(7, -v), 0, B);
                out.write(300, block(300, -v), 0, B);
            }
            out.flush();
        }
        byte[] got = Files.readAllBytes(file);
        for (long n = 0; n < 512; n++) {
            byte[] want = n == 7 || n == 300 ? block(n, -versions) : block(n, versions);
            assertArrayEquals(want, Arrays.copyOfRange(got, (int) n * B, (int) (n + 1) * B), "block " + n);
        }
    }

    /** A file channel whose writes of more than one block take 20 ms longer, as a busy disk's might. */
    private static final class SlowLongWrites extends FileChannel {
        private final FileChannel file;

        SlowLongWrites(FileChannel file) {
            this.file = file;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (src.remaining() > B) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
            return file.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return file.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return file.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            file.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            file.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) throws IOException {
            return file.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return file.map(mode, position, size);
        }

        @Override
        public java.nio.channels.FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }

    @Test
    void aFailedWriteFailsTheCallerAndEveryLaterCallWithoutHanging() throws IOException {
        Path file = Files.createFile(dir.resolve("image"));
        try (FileChannel readOnly = FileChannel.open(file, StandardOpenOption.READ)) {
            BlockOutput out = new BlockOutput(readOnly, 0, null);
            RuntimeException first = assertThrows(RuntimeException.class, () -> {
                // Far more runs than buffers: the writer must keep handing buffers back after the failure.
                for (long n = 0; n < 50; n++) {
                    out.write(n * 2, block(n, 1), 0, B);
                }
                out.flush();
            });
            assertEquals(java.nio.channels.NonWritableChannelException.class, rootCause(first).getClass());
            assertThrows(RuntimeException.class, out::flush, "the failure stays");
        }
        assertEquals(0, Files.size(file));
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
