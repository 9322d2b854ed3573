package io.layerd.lcow.ext4;

import static io.layerd.lcow.ext4.HtreeVerifierTest.verify;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class DirectoryBlocksTest {
    private static final int SELF = 5000;
    private static final int PARENT = 4000;
    private static final int[] SEED = DirHash.seedFromUuid(java.util.UUID.fromString("6e1f2c1a-3b7d-4c55-9a0e-0123456789ab"));

    /** {@code n} children with {@code len}-byte names (decimal, zero padded), types cycling 1..7. */
    static List<DirEntry> children(int n, int len) {
        List<DirEntry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(DirEntry.of(String.format("%0" + len + "d", i), 100 + i, 1 + i % 7));
        }
        return out;
    }

    private static HtreeVerifierTest.Hasher hasher(int version, int[] seed) {
        return name -> DirHash.hash(version, name, seed);
    }

    private static HtreeVerifierTest.Stats check(List<DirEntry> kids, int hashVersion) {
        DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, kids, hashVersion, SEED);
        HtreeVerifierTest.Stats s = verify(db.blocks(), db.indexed(), SELF, PARENT, kids, hashVersion,
                hasher(DirectoryBlocks.computedHashVersion(hashVersion), SEED));
        assertEquals(db.blockCount(), db.blocks().size());
        assertEquals(db.blockCount() * 4096L, db.sizeBytes());
        if (s.indexed()) {
            assertEquals(db.blockCount(), 1 + s.nodes() + s.leaves());
        }
        return s;
    }

    @Test
    void constants() {
        assertEquals(4096, DirectoryBlocks.BLOCK_SIZE);
        assertEquals(DirHash.HALF_MD4, DirectoryBlocks.STORED_HASH_VERSION);
        assertEquals(DirHash.HALF_MD4_UNSIGNED, DirectoryBlocks.COMPUTED_HASH_VERSION);
        assertEquals(DirectoryBlocks.COMPUTED_HASH_VERSION, DirectoryBlocks.computedHashVersion(DirectoryBlocks.STORED_HASH_VERSION));
        assertEquals(DirHash.LEGACY_UNSIGNED, DirectoryBlocks.computedHashVersion(DirHash.LEGACY));
        assertEquals(DirHash.TEA_UNSIGNED, DirectoryBlocks.computedHashVersion(DirHash.TEA));
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.computedHashVersion(DirHash.HALF_MD4_UNSIGNED));
    }

    @Test
    void emptyDirectory() {
        DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, List.of(), 1, SEED);
        assertFalse(db.indexed());
        assertEquals(1, db.blockCount());
        ByteBuffer b = db.blocks().get(0);
        assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
        assertEquals(SELF, b.getInt(0));
        assertEquals(12, b.getShort(4));
        assertEquals(1, b.get(6));
        assertEquals(2, b.get(7));
        assertEquals('.', b.get(8));
        assertEquals(PARENT, b.getInt(12));
        assertEquals(4096 - 12, b.getShort(16));
        assertEquals(2, b.get(18));
        check(List.of(), 1);
    }

    @Test
    void twentyEntriesAreLinearInGivenOrder() {
        List<DirEntry> kids = new ArrayList<>(children(20, 12));
        Collections.shuffle(kids, new Random(3));
        HtreeVerifierTest.Stats s = check(kids, 1);
        assertFalse(s.indexed());
    }

    @Test
    void linearThresholdIsOneFullBlock() {
        // 24 bytes of "." and "..", 253 * 16 (8-byte names) = 4048, plus one 24-byte entry
        // (16-byte name) = 4096 exactly: still one linear block.
        List<DirEntry> kids = children(253, 8);
        kids.add(DirEntry.of("x".repeat(16), 9, 1));
        assertFalse(check(kids, 1).indexed());

        // One byte more in the last name (17 -> rec_len 28) overflows: htree.
        List<DirEntry> over = children(253, 8);
        over.add(DirEntry.of("x".repeat(17), 9, 1));
        HtreeVerifierTest.Stats s = check(over, 1);
        assertTrue(s.indexed());
        assertEquals(0, s.indirectLevels());
        assertTrue(s.leaves() >= 2, "e2fsck-style slack spreads a 4 KiB directory over two leaves");

        // As does one more entry.
        List<DirEntry> more = children(253, 8);
        more.add(DirEntry.of("x".repeat(16), 9, 1));
        more.add(DirEntry.of("y", 10, 1));
        assertTrue(check(more, 1).indexed());
    }

    @Test
    void threeHundredEntriesMakeOneLevelHtree() {
        HtreeVerifierTest.Stats s = check(children(300, 30), 1);
        assertTrue(s.indexed());
        assertEquals(0, s.indirectLevels());
        assertEquals(0, s.nodes());
        // 300 * 40 bytes at <= 80 % fill: at least 4 leaves.
        assertTrue(s.leaves() >= 4 && s.leaves() <= 5, "leaves " + s.leaves());
    }

    @Test
    void sixtyThousandEntriesMakeTwoLevelHtree() {
        HtreeVerifierTest.Stats s = check(children(60_000, 200), 1);
        assertTrue(s.indexed());
        assertEquals(1, s.indirectLevels());
        // 208-byte entries, 16 per leaf under the 20 % slack rule: 3750 leaves over 8 nodes.
        assertEquals(3750, s.leaves());
        assertEquals(8, s.nodes());
    }

    @Test
    void everyHashVersionAndZeroSeed() {
        for (int v = DirHash.LEGACY; v <= DirHash.TEA; v++) {
            List<DirEntry> kids = children(2000, 20);
            DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, kids, v, new int[4]);
            verify(db.blocks(), true, SELF, PARENT, kids, v, hasher(v + 3, new int[4]));
            check(kids, v);
        }
    }

    @Test
    void storedVersionOneIsHashedUnsigned() {
        // Names with bytes >= 0x80 hash differently signed vs unsigned.
        List<DirEntry> kids = new ArrayList<>();
        Random r = new Random(11);
        for (int i = 0; i < 3000; i++) {
            byte[] name = new byte[10 + r.nextInt(40)];
            for (int j = 0; j < name.length; j++) {
                name[j] = (byte) (0x80 + r.nextInt(0x80));
            }
            String prefix = i + "-";
            byte[] full = new byte[prefix.length() + name.length];
            System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, full, 0, prefix.length());
            System.arraycopy(name, 0, full, prefix.length(), name.length);
            kids.add(new DirEntry(full, 100 + i, 1));
        }
        kids.add(DirEntry.of("日本語のファイル名.txt", 9000, 1));
        kids.add(DirEntry.of("café", 9001, 1));
        DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, kids, DirectoryBlocks.STORED_HASH_VERSION, SEED);
        assertTrue(db.indexed());
        assertEquals(DirectoryBlocks.STORED_HASH_VERSION, db.blocks().get(0).get(28));
        verify(db.blocks(), true, SELF, PARENT, kids, 1, hasher(DirHash.HALF_MD4_UNSIGNED, SEED));
        assertThrows(AssertionFailedError.class,
                () -> verify(db.blocks(), true, SELF, PARENT, kids, 1, hasher(DirHash.HALF_MD4, SEED)));
    }

    @Test
    void longAndShortNamesMixed() {
        List<DirEntry> kids = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 5000; i++) {
            int len = 1 + r.nextInt(255);
            String base = Integer.toString(i, 36) + "_";
            StringBuilder sb = new StringBuilder(base);
            while (sb.length() < len) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            kids.add(DirEntry.of(sb.substring(0, Math.max(len, base.length())), 100 + i, 1 + r.nextInt(7)));
        }
        assertTrue(check(kids, 1).indexed());
    }

    @Test
    void deterministicAndIndependentOfInputOrderForHtrees() {
        List<DirEntry> kids = children(5000, 17);
        List<DirEntry> shuffled = new ArrayList<>(kids);
        Collections.shuffle(shuffled, new Random(1));
        List<ByteBuffer> a = DirectoryBlocks.build(SELF, PARENT, kids, 1, SEED).blocks();
        List<ByteBuffer> b = DirectoryBlocks.build(SELF, PARENT, shuffled, 1, SEED).blocks();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i), b.get(i), "block " + i);
        }
    }

    @Test
    void blocksAreReadOnlyViews() {
        DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, children(3, 3), 1, SEED);
        ByteBuffer b = db.blocks().get(0);
        assertTrue(b.isReadOnly());
        assertEquals(0, b.position());
        assertEquals(4096, b.limit());
        assertThrows(ReadOnlyBufferException.class, () -> b.put(0, (byte) 1));
        b.position(100);
        assertEquals(0, db.blocks().get(0).position());
        byte[] copy = new byte[4096];
        db.blocks().get(0).get(copy);
        byte[] again = new byte[4096];
        db.blocks().get(0).get(again);
        assertArrayEquals(copy, again);
    }

    @Test
    void rejectsInvalidInput() {
        List<DirEntry> ok = children(3, 3);
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(SELF, PARENT, ok, 3, SEED));
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(SELF, PARENT, ok, -1, SEED));
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(SELF, PARENT, ok, 1, new int[3]));
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(0, PARENT, ok, 1, SEED));
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(SELF, 0, ok, 1, SEED));
        assertThrows(NullPointerException.class, () -> DirectoryBlocks.build(SELF, PARENT, ok, 1, null));

        List<DirEntry> dup = new ArrayList<>(ok);
        dup.add(DirEntry.of("001", 77, 1));
        assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(SELF, PARENT, dup, 1, SEED));
        for (String dot : new String[] {".", ".."}) {
            List<DirEntry> withDot = new ArrayList<>(ok);
            withDot.add(DirEntry.of(dot, 77, 2));
            assertThrows(IllegalArgumentException.class, () -> DirectoryBlocks.build(SELF, PARENT, withDot, 1, SEED));
        }
    }

    /**
     * Two distinct short names with the same major hash under {@code version} and {@code seed}:
     * a birthday search over 400,000 names in the 2^31 space of even 32-bit hashes expects
     * about 37 collisions.
     */
    static byte[][] collidingPair(int version, int[] seed) {
        int n = 400_000;
        long[] keyed = new long[n];
        for (int i = 0; i < n; i++) {
            keyed[i] = (Integer.toUnsignedLong(DirHash.hash(version, collisionName(i), seed).major()) << 32) | i;
        }
        Arrays.sort(keyed);
        for (int i = 1; i < n; i++) {
            if ((keyed[i] >>> 32) == (keyed[i - 1] >>> 32)) {
                return new byte[][] {collisionName((int) keyed[i - 1]), collisionName((int) keyed[i])};
            }
        }
        throw new IllegalStateException("no collision found");
    }

    private static byte[] collisionName(int i) {
        return ("c" + i).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code base} plus the colliding {@code pair} plus as many fillers as it takes for the
     * pair to end up in two different leaves (so the second leaf continues the first's run).
     */
    static List<DirEntry> straddling(byte[][] pair, List<DirEntry> base, int inode, int storedVersion, int[] seed) {
        for (int k = 300; k < 20_000; k++) {
            List<DirEntry> kids = new ArrayList<>(base);
            kids.add(new DirEntry(pair[0], inode, DirEntry.FT_REG_FILE));
            kids.add(new DirEntry(pair[1], inode, DirEntry.FT_REG_FILE));
            for (int i = 0; i < k; i++) {
                kids.add(DirEntry.of("f" + i + "-" + "x".repeat(i % 23), inode, DirEntry.FT_REG_FILE));
            }
            DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, kids, storedVersion, seed);
            if (db.indexed() && blockOf(db, pair[0]) != blockOf(db, pair[1])) {
                return kids;
            }
        }
        throw new IllegalStateException("could not place the pair across a leaf boundary");
    }

    static int blockOf(DirectoryBlocks db, byte[] name) {
        List<ByteBuffer> blocks = db.blocks();
        for (int i = 0; i < blocks.size(); i++) {
            for (HtreeVerifierTest.Dirent d : HtreeVerifierTest.dirents(blocks.get(i), i)) {
                if (d.inode() != 0 && Arrays.equals(d.name(), name)) {
                    return i;
                }
            }
        }
        throw new AssertionError("name not found");
    }

    @Test
    void realHashCollisionAcrossLeafBoundary() {
        byte[][] pair = collidingPair(DirHash.HALF_MD4_UNSIGNED, SEED);
        int major = DirHash.hash(DirHash.HALF_MD4_UNSIGNED, pair[0], SEED).major();
        assertEquals(major, DirHash.hash(DirHash.HALF_MD4_UNSIGNED, pair[1], SEED).major());
        List<DirEntry> kids = straddling(pair, List.of(), 77, 1, SEED);
        DirectoryBlocks db = DirectoryBlocks.build(SELF, PARENT, kids, 1, SEED);
        // Includes the kernel-lookup simulation for both names.
        verify(db.blocks(), true, SELF, PARENT, kids, 1, hasher(DirHash.HALF_MD4_UNSIGNED, SEED));
        int later = Math.max(blockOf(db, pair[0]), blockOf(db, pair[1]));
        ByteBuffer root = db.blocks().get(0);
        assertEquals(0, root.get(30), "small enough for a single-level tree");
        int count = root.getShort(34);
        boolean found = false;
        for (int i = 1; i < count; i++) {
            if (root.getInt(32 + 8 * i + 4) == later) {
                assertEquals(major | 1, root.getInt(32 + 8 * i), "continuation bit on the second leaf");
                found = true;
            }
        }
        assertTrue(found);
    }

    @Test
    void dirEntryValidation() {
        assertThrows(IllegalArgumentException.class, () -> new DirEntry(new byte[0], 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new DirEntry(new byte[256], 1, 1));
        assertThrows(IllegalArgumentException.class, () -> DirEntry.of("a/b", 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new DirEntry(new byte[] {'a', 0}, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> DirEntry.of("a", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> DirEntry.of("a", 1, 0));
        assertThrows(IllegalArgumentException.class, () -> DirEntry.of("a", 1, 8));
        DirEntry e = DirEntry.of("x".repeat(255), -1, DirEntry.FT_SYMLINK); // inode 0xffffffff is a valid u32
        assertEquals(255, e.nameLength());

        byte[] name = {'a', 'b'};
        DirEntry d = new DirEntry(name, 3, DirEntry.FT_DIR);
        name[0] = 'z';
        assertEquals('a', d.name()[0], "defensive copy in");
        d.name()[1] = 'z';
        assertEquals('b', d.name()[1], "defensive copy out");
        assertEquals(d, DirEntry.of("ab", 3, 2));
        assertEquals(d.hashCode(), DirEntry.of("ab", 3, 2).hashCode());
    }
}
