package io.layerd.lcow.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VerityTreeBuilderTest {

    private static final int BS = 4096;
    private static final byte[] SALT = new byte[32];
    private static final String SALT_HEX = "00".repeat(32);
    private static final UUID IMAGE_UUID = UUID.fromString("5f1c0a42-7d3e-4b8a-9c61-2e0f4d7a8b90");

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- scenarios

    /**
     * An image as the ext4 writer would produce it: which blocks get written, in what order, and one
     * block written twice (the first time with content that must be overridden).
     */
    record Scenario(String name, long blocks, TreeSet<Long> written, long twice, List<long[]> events) {
        /** Final content of a written block; deterministic so it can be regenerated instead of kept. */
        byte[] content(long index) {
            byte[] b = new byte[BS];
            new Random(index * 0x9E3779B97F4A7C15L + blocks).nextBytes(b);
            return b;
        }

        byte[] garbage(long index) {
            byte[] b = new byte[BS];
            new Random(~index).nextBytes(b);
            return b;
        }

        /** What the data area holds: final content, or zeros for a hole. */
        byte[] expected(long index) {
            return written.contains(index) ? content(index) : new byte[BS];
        }

        long someHole() {
            for (long i = 0; i < blocks; i++) {
                if (!written.contains(i)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final int FINAL = 0;
    private static final int GARBAGE = 1;

    /**
     * Dense image with ~3 % holes (always including the last block when there are several). File data goes
     * ascending; blocks 0..2 (superblock, group descriptors) and ~10 % of the rest are written late in
     * random order, or everything is shuffled.
     */
    static Scenario dense(String name, long blocks, boolean fullShuffle, long seed) {
        Random random = new Random(seed);
        TreeSet<Long> written = new TreeSet<>();
        for (long i = 0; i < blocks; i++) {
            boolean hole = blocks > 3 && (i == blocks - 1 || random.nextInt(100) < 3);
            if (!hole) {
                written.add(i);
            }
        }
        List<Long> order = new ArrayList<>(written);
        if (fullShuffle) {
            Collections.shuffle(order, random);
        } else {
            List<Long> late = new ArrayList<>();
            for (Long i : written) {
                if (i < 3 || random.nextInt(10) == 0) {
                    late.add(i);
                }
            }
            order.removeAll(late);
            Collections.shuffle(late, random);
            order.addAll(late);
        }
        List<Long> candidates = new ArrayList<>(written);
        long twice = candidates.get(random.nextInt(candidates.size()));
        return new Scenario(name, blocks, written, twice, events(order, twice, random));
    }

    static Scenario sparse(String name, long blocks, long twice, Long... writtenBlocks) {
        TreeSet<Long> written = new TreeSet<>(List.of(writtenBlocks));
        List<Long> order = new ArrayList<>(written);
        Collections.reverse(order); // superblock-style: high blocks first, block 0 last
        return new Scenario(name, blocks, written, twice, events(order, twice, new Random(blocks)));
    }

    /** Final writes in {@code order}, with a garbage write of {@code twice} somewhere before its final one. */
    private static List<long[]> events(List<Long> order, long twice, Random random) {
        List<long[]> events = new ArrayList<>();
        for (Long i : order) {
            events.add(new long[] {i, FINAL});
        }
        int finalAt = order.indexOf(twice);
        events.add(random.nextInt(finalAt + 1), new long[] {twice, GARBAGE});
        return events;
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                sparse("1 block", 1, 0, 0L),
                dense("127 blocks", 127, false, 127),
                dense("128 blocks shuffled", 128, true, 128),
                dense("129 blocks", 129, false, 129),
                dense("128*128+1 blocks", 128 * 128 + 1, false, 16385),
                // 40 MiB, only a handful of blocks written: the rest are holes that must hash as zeros.
                sparse("40 MiB sparse", 10240, 5000, 0L, 1L, 2L, 5000L, 7777L, 10238L));
    }

    // ---------------------------------------------------------------- helpers

    /** Image file = data area written in event order (holes never written) + our appendix after it. */
    private record Built(Path image, VerityTree tree, byte[] appendix) {
    }

    private Built build(Scenario s) throws IOException {
        Path image = dir.resolve("image");
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID);
                FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (long[] event : s.events()) {
                long index = event[0];
                byte[] block = event[1] == FINAL ? s.content(index) : s.garbage(index);
                channel.write(ByteBuffer.wrap(block), index * BS);
                builder.onBlock(index, ByteBuffer.wrap(block));
            }
            VerityTree tree = builder.finish(s.blocks());
            long written = tree.writeTo(channel, s.blocks() * BS);
            assertEquals(tree.appendixSize(), written);
            assertEquals(s.blocks() * BS + tree.appendixSize(), channel.size());
            ByteBuffer appendix = ByteBuffer.allocate((int) tree.appendixSize());
            while (appendix.hasRemaining() && channel.read(appendix, s.blocks() * BS + appendix.position()) >= 0) {
                // keep reading
            }
            return new Built(image, tree, appendix.array());
        }
    }

    private static void assumeVeritysetup() {
        Assumptions.assumeTrue(Veritysetup.binary().isPresent(), Veritysetup.INSTALL_HINT);
    }

    private static Veritysetup.Result verify(Path image, long dataBlocks, String rootHex) throws Exception {
        return Veritysetup.run("verify", image.toString(), image.toString(), rootHex,
                "--hash-offset=" + dataBlocks * BS);
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x01)).rewind();
            channel.write(one, position);
        }
    }

    // ---------------------------------------------------------------- tests against veritysetup

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void rootHashAndAppendixEqualVeritysetupFormat(Scenario s) throws Exception {
        assumeVeritysetup();
        Built built = build(s);
        try (VerityTree tree = built.tree()) {
            Path reference = dir.resolve("reference.hash");
            Veritysetup.Result format = Veritysetup.run("format", "--data-block-size=4096", "--hash-block-size=4096",
                    "--salt=" + SALT_HEX, "--uuid=" + IMAGE_UUID, "--data-blocks=" + s.blocks(),
                    built.image().toString(), reference.toString());
            assertEquals(0, format.exitCode(), format.output());
            assertEquals(format.rootHash(), tree.rootHashHex(), format.output());
            // veritysetup writes superblock at 0 and the tree at 4096 of a separate hash file: the same bytes
            // as our appendix (same UUID), unless the tree is empty and it stops after the superblock.
            byte[] theirs = Files.readAllBytes(reference);
            byte[] ours = built.appendix();
            assertArrayEquals(java.util.Arrays.copyOf(theirs, ours.length), ours);
            assertTrue(theirs.length <= ours.length, "veritysetup hash area larger than ours: " + theirs.length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void veritysetupVerifiesAppendedTree(Scenario s) throws Exception {
        assumeVeritysetup();
        Built built = build(s);
        try (VerityTree tree = built.tree()) {
            Veritysetup.Result withSuperblock = verify(built.image(), s.blocks(), tree.rootHashHex());
            assertEquals(0, withSuperblock.exitCode(), withSuperblock.output());
            // The guest's dm-verity table path: no superblock, hash_start = dataBlocks + 1.
            Veritysetup.Result noSuperblock = Veritysetup.run("verify", "--no-superblock",
                    "--data-blocks=" + s.blocks(), "--data-block-size=4096", "--hash-block-size=4096",
                    "--hash=sha256", "--salt=" + SALT_HEX, "--hash-offset=" + (s.blocks() + 1) * BS,
                    built.image().toString(), built.image().toString(), tree.rootHashHex());
            assertEquals(0, noSuperblock.exitCode(), noSuperblock.output());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void veritysetupRejectsFlippedDataByte(Scenario s) throws Exception {
        assumeVeritysetup();
        Built built = build(s);
        try (VerityTree tree = built.tree()) {
            long block = s.written().last();
            long at = block * BS + 1234;
            flipByte(built.image(), at);
            Veritysetup.Result result = verify(built.image(), s.blocks(), tree.rootHashHex());
            assertNotEquals(0, result.exitCode(), "corrupted written block " + block + " passed:\n" + result.output());

            flipByte(built.image(), at); // restore, then corrupt a hole instead
            long hole = s.someHole();
            if (hole >= 0) {
                flipByte(built.image(), hole * BS + 7);
                result = verify(built.image(), s.blocks(), tree.rootHashHex());
                assertNotEquals(0, result.exitCode(), "corrupted hole " + hole + " passed:\n" + result.output());
                flipByte(built.image(), hole * BS + 7);
            }
            result = verify(built.image(), s.blocks(), tree.rootHashHex());
            assertEquals(0, result.exitCode(), "restored image must verify again:\n" + result.output());
        }
    }

    @Test
    void veritysetupRejectsFlippedLeafDigest() throws Exception {
        assumeVeritysetup();
        Scenario s = dense("129 blocks", 129, false, 129);
        Built built = build(s);
        try (VerityTree tree = built.tree()) {
            // Appendix: superblock block, level 1 (1 block), then the leaf level.
            long leafLevel = s.blocks() * BS + VerityTree.SUPERBLOCK_AREA_SIZE
                    + tree.layout().levelTreeBlockOffset(0) * BS;
            flipByte(built.image(), leafLevel + 5 * 32 + 3);
            Veritysetup.Result result = verify(built.image(), s.blocks(), tree.rootHashHex());
            assertNotEquals(0, result.exitCode(), result.output());
        }
    }

    // ---------------------------------------------------------------- tests without veritysetup

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void matchesNaiveInMemoryTree(Scenario s) throws Exception {
        Built built = build(s);
        try (VerityTree tree = built.tree()) {
            NaiveVerityTree naive = NaiveVerityTree.compute(s.blocks(), SALT, s::expected);
            assertEquals(HexFormat.of().formatHex(naive.rootHash), tree.rootHashHex());
            assertArrayEquals(naive.rootHash, tree.rootHash());
            assertEquals(naive.tree.length, tree.treeSize());
            byte[] ourTree = java.util.Arrays.copyOfRange(built.appendix(), VerityTree.SUPERBLOCK_AREA_SIZE,
                    built.appendix().length);
            assertArrayEquals(naive.tree, ourTree);
            VeritySuperblock sb = VeritySuperblock.read(ByteBuffer.wrap(built.appendix()));
            assertEquals(VeritySuperblock.sha256(IMAGE_UUID, s.blocks(), SALT), sb);
        }
    }

    @Test
    void lastWriteWins() throws Exception {
        byte[] a = new byte[BS];
        byte[] b = new byte[BS];
        a[0] = 1;
        b[0] = 2;
        String firstThenSecond;
        String secondOnly;
        String secondThenFirst;
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            builder.onBlock(1, ByteBuffer.wrap(a));
            builder.onBlock(1, ByteBuffer.wrap(b));
            try (VerityTree tree = builder.finish(3)) {
                firstThenSecond = tree.rootHashHex();
            }
        }
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            builder.onBlock(1, ByteBuffer.wrap(b));
            try (VerityTree tree = builder.finish(3)) {
                secondOnly = tree.rootHashHex();
            }
        }
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            builder.onBlock(1, ByteBuffer.wrap(b));
            builder.onBlock(1, ByteBuffer.wrap(a));
            try (VerityTree tree = builder.finish(3)) {
                secondThenFirst = tree.rootHashHex();
            }
        }
        assertEquals(secondOnly, firstThenSecond);
        assertNotEquals(secondOnly, secondThenFirst);
    }

    /** A late write that lands on a leaf page evicted long ago must still replace the old digest. */
    @Test
    void lateRewriteAfterPageEvictionWins() throws Exception {
        long blocks = 40_000; // 79 leaf pages of 512 digests: far more than the 16 cached
        byte[] zero = new byte[BS];
        byte[] junk = new byte[BS];
        junk[100] = 42;
        String expected;
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            for (long i = 0; i < blocks; i += 97) {
                builder.onBlock(i, ByteBuffer.wrap(zero));
            }
            try (VerityTree tree = builder.finish(blocks)) {
                expected = tree.rootHashHex(); // all blocks zero, written or not
            }
        }
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            builder.onBlock(3, ByteBuffer.wrap(junk));
            builder.onBlock(25_000, ByteBuffer.wrap(junk));
            for (long i = 0; i < blocks; i++) {
                builder.onBlock(i, ByteBuffer.wrap(i == 3 || i == 25_000 ? junk : zero));
            }
            builder.onBlock(3, ByteBuffer.wrap(zero));
            builder.onBlock(25_000, ByteBuffer.wrap(zero));
            try (VerityTree tree = builder.finish(blocks)) {
                assertEquals(expected, tree.rootHashHex());
            }
        }
    }

    @Test
    void holesHashLikeWrittenZeroBlocks() throws Exception {
        String allHoles;
        String allWritten;
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID);
                VerityTree tree = builder.finish(300)) {
            allHoles = tree.rootHashHex();
        }
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            for (long i = 299; i >= 0; i--) {
                builder.onBlock(i, ByteBuffer.allocate(BS));
            }
            try (VerityTree tree = builder.finish(300)) {
                allWritten = tree.rootHashHex();
            }
        }
        assertEquals(allWritten, allHoles);
        assertEquals(HexFormat.of().formatHex(NaiveVerityTree.compute(300, SALT, i -> new byte[BS]).rootHash),
                allHoles);
    }

    @Test
    void saltChangesTheRootHash() throws Exception {
        byte[] otherSalt = new byte[32];
        otherSalt[31] = 1;
        try (VerityTreeBuilder zeroSalt = new VerityTreeBuilder(dir, SALT, IMAGE_UUID);
                VerityTreeBuilder oneSalt = new VerityTreeBuilder(dir, otherSalt, IMAGE_UUID);
                VerityTree a = zeroSalt.finish(200);
                VerityTree b = oneSalt.finish(200)) {
            assertNotEquals(a.rootHashHex(), b.rootHashHex());
            assertArrayEquals(otherSalt, b.superblock().salt());
            assertEquals(HexFormat.of().formatHex(NaiveVerityTree.compute(200, otherSalt, i -> new byte[BS]).rootHash),
                    b.rootHashHex());
        }
    }

    @Test
    void sequentialAndPositionalWritesProduceTheSameAppendix() throws Exception {
        Scenario s = dense("129 blocks", 129, true, 7);
        Built built = build(s);
        try (VerityTree tree = built.tree()) {
            ByteArrayOutputStream sequential = new ByteArrayOutputStream();
            assertEquals(tree.appendixSize(), tree.writeTo(Channels.newChannel(sequential)));
            assertArrayEquals(built.appendix(), sequential.toByteArray());
        }
    }

    @Test
    void rejectsBlocksBeyondTheImage() throws Exception {
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            builder.onBlock(10, ByteBuffer.allocate(BS));
            assertThrows(IllegalArgumentException.class, () -> builder.finish(10));
        }
    }

    @Test
    void rejectsWrongBlockSizeAndUseAfterFinish() throws Exception {
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            assertThrows(IllegalArgumentException.class, () -> builder.onBlock(0, ByteBuffer.allocate(512)));
            assertThrows(IllegalArgumentException.class, () -> builder.onBlock(-1, ByteBuffer.allocate(BS)));
            try (VerityTree tree = builder.finish(2)) {
                assertEquals(2, tree.dataBlocks());
                assertThrows(IllegalStateException.class, () -> builder.onBlock(0, ByteBuffer.allocate(BS)));
                assertThrows(IllegalStateException.class, () -> builder.finish(2));
            }
        }
    }

    @Test
    void onBlockLeavesTheCallersBufferPositionAlone() throws Exception {
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            ByteBuffer block = ByteBuffer.allocate(BS + 8).position(8);
            builder.onBlock(0, block);
            assertEquals(8, block.position());
            try (VerityTree tree = builder.finish(1)) {
                assertEquals(0, tree.treeSize());
            }
        }
    }

    @Test
    void scratchFileIsDeletedOnClose() throws Exception {
        try (VerityTreeBuilder unfinished = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            unfinished.onBlock(0, ByteBuffer.allocate(BS));
            // On Unix the JDK unlinks a DELETE_ON_CLOSE file right after opening it; elsewhere it stays until close.
            assertTrue(countScratchFiles() <= 1);
        }
        assertEquals(0, countScratchFiles());
        VerityTree tree;
        try (VerityTreeBuilder builder = new VerityTreeBuilder(dir, SALT, IMAGE_UUID)) {
            builder.onBlock(500, ByteBuffer.allocate(BS));
            tree = builder.finish(1000);
        }
        // The finished tree still owns the scratch data after the builder is closed.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(tree.appendixSize(), tree.writeTo(Channels.newChannel(out)));
        tree.close();
        assertThrows(IOException.class, () -> tree.writeTo(Channels.newChannel(new ByteArrayOutputStream())));
        assertEquals(0, countScratchFiles());
    }

    private long countScratchFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("verity-tree-")).count();
        }
    }
}
