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
