package io.layerd.lcow.verity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundVerityHashingTest {
    private static final int BS = 4096;
    private static final UUID ID = UUID.fromString("0d3c51a2-9e4b-4f7a-8c21-6b5e4d3c2a10");

    @TempDir
    Path dir;

    /** Runs of many sizes (larger than one hand-over buffer too), out of order, some rewritten. */
    @Test
    void sameRootAsHashingOnTheWritersThread() throws IOException {
        Random random = new Random(7);
        long dataBlocks = 3000;
        String direct;
        String background;
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, new byte[32], ID);
             BackgroundVerityHashing hashing = new BackgroundVerityHashing(new VerityTreeBuilder(dir, new byte[32], ID))) {
            long[][] runs = {{0, 1}, {10, 600}, {2500, 400}, {5, 3}, {10, 2}, {1200, 300}, {2999, 1}};
            for (long[] r : runs) {
                byte[] data = new byte[(int) r[1] * BS];
                random.nextBytes(data);
                hashing.onBlocks(r[0], ByteBuffer.wrap(data, 0, data.length));
                for (int i = 0; i < r[1]; i++) {
                    builder.onBlock(r[0] + i, ByteBuffer.wrap(data, i * BS, BS));
                }
            }
            try (VerityTree a = builder.finish(dataBlocks, ID); VerityTree b = hashing.finish(dataBlocks, ID)) {
                direct = a.rootHashHex();
                background = b.rootHashHex();
            }
        }
        assertEquals(direct, background);
        assertEquals(0, scratchFiles(), "the scratch files are gone once the trees are closed");
    }

    @Test
    void theCallersBufferIsLeftAsItWas() throws IOException {
        try (BackgroundVerityHashing hashing = new BackgroundVerityHashing(new VerityTreeBuilder(dir))) {
            ByteBuffer run = ByteBuffer.allocate(3 * BS).position(BS);
            hashing.onBlocks(0, run);
            assertEquals(BS, run.position());
            assertEquals(3 * BS, run.limit());
        }
    }

    @Test
    void aFailureOfTheHashingThreadReachesTheWriter() throws IOException {
        try (BackgroundVerityHashing hashing = new BackgroundVerityHashing(new VerityTreeBuilder(dir))) {
            assertThrows(IllegalArgumentException.class, () -> hashing.onBlocks(0, ByteBuffer.allocate(BS + 1)));
            hashing.onBlocks(-5, ByteBuffer.allocate(BS)); // rejected by the builder, on the hashing thread
            IOException e = assertThrows(IOException.class, () -> hashing.finish(10, ID));
            assertTrue(e.getMessage().contains("negative block index"), e.getMessage());
        }
        assertEquals(0, scratchFiles());
    }

    @Test
    void closingWithoutFinishingStopsTheThreadAndDeletesTheScratchFile() throws IOException {
        BackgroundVerityHashing hashing = new BackgroundVerityHashing(new VerityTreeBuilder(dir));
        hashing.onBlocks(0, ByteBuffer.allocate(64 * BS));
        hashing.close();
        assertEquals(0, scratchFiles());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("verity-hashing") && t.isAlive()),
                "no hashing thread is left running");
    }

    private long scratchFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
