package io.layerd.lcow.ext4;

import static io.layerd.lcow.ext4.HtreeVerifierTest.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The htree layout with made-up hashes, to force what real hashes almost never produce: long
 * runs of one major hash across leaf and dx_node boundaries, and exact level thresholds.
 */
class HtreeBuilderTest {
    /** 255-byte names: rec_len 264, so 13 per leaf (13 * 264 = 3432 leaves 664 < 819 free). */
    private static final int PER_LEAF_255 = 13;

    private record Built(List<ByteBuffer> blocks, List<DirEntry> kids, HtreeVerifierTest.Hasher hasher) {
    }

    private static Built build(int n, int nameLen, java.util.function.IntFunction<DirHash.Hash> hashOf) {
        List<DirEntry> kids = new ArrayList<>(n);
        List<HtreeBuilder.Hashed> hashed = new ArrayList<>(n);
        Map<String, DirHash.Hash> byName = new HashMap<>();
        for (int i = 0; i < n; i++) {
            DirEntry e = DirEntry.of(String.format("%0" + nameLen + "d", i), 1000 + i, DirEntry.FT_REG_FILE);
            DirHash.Hash h = hashOf.apply(i);
            kids.add(e);
            hashed.add(new HtreeBuilder.Hashed(e, h.major(), h.minor()));
            byName.put(new String(e.name()), h);
        }
        hashed.sort(HtreeBuilder.ORDER);
        List<ByteBuffer> blocks = HtreeBuilder.build(30, 2, hashed, DirHash.HALF_MD4);
        return new Built(blocks, kids, name -> Objects.requireNonNull(byName.get(new String(name))));
    }

    private static HtreeVerifierTest.Stats verifyBuilt(Built b) {
        return verifyBuilt(b, 1);
    }

    private static HtreeVerifierTest.Stats verifyBuilt(Built b, int lookupStride) {
        return verify(b.blocks(), true, 30, 2, b.kids(), DirHash.HALF_MD4, b.hasher(), lookupStride);
    }

    @Test
    void oneCollisionRunSpanningManyLeaves() {
        Built b = build(PER_LEAF_255 * 40, 255, i -> new DirHash.Hash(0x40000000, i));
        HtreeVerifierTest.Stats s = verifyBuilt(b);
        assertEquals(40, s.leaves());
        ByteBuffer root = b.blocks().get(0);
        for (int i = 1; i < 40; i++) {
            assertEquals(0x40000001, root.getInt(32 + 8 * i), "leaf " + i + " continues the run");
        }
    }

    @Test
    void runEndingExactlyAtALeafBoundaryIsNotMarkedContinued() {
        // Leaf 0 holds exactly the 13 names of hash A; leaf 1 starts with hash B.
        Built b = build(PER_LEAF_255 * 2, 255, i -> new DirHash.Hash(i < PER_LEAF_255 ? 0x100 : 0x200, i));
        verifyBuilt(b);
        assertEquals(0x200, b.blocks().get(0).getInt(40));
    }

    @Test
    void rootLimitThenSecondLevel() {
        Random r = new Random(1);
        // 508 leaves fit the root.
        HtreeVerifierTest.Stats s = verifyBuilt(build(PER_LEAF_255 * 508, 255, i -> new DirHash.Hash(r.nextInt() & ~1, i)));
        assertEquals(0, s.indirectLevels());
        assertEquals(508, s.leaves());
        // 509 need a dx_node level; a single node is legal (the kernel makes the same shape
        // when it first adds a level).
        s = verifyBuilt(build(PER_LEAF_255 * 508 + 1, 255, i -> new DirHash.Hash(r.nextInt() & ~1, i)));
        assertEquals(1, s.indirectLevels());
        assertEquals(509, s.leaves());
        assertEquals(1, s.nodes());
    }

    @Test
    void collisionRunAcrossDxNodes() {
        // 1100 leaves of a single hash: three dx_nodes, and the root entries for nodes 2 and 3
        // must carry the continuation bit too.
        Built b = build(PER_LEAF_255 * 1100, 255, i -> new DirHash.Hash(0x7654320, i));
        // Every lookup walks the run from its first leaf, so only sample (the last name crosses
        // both node boundaries).
        HtreeVerifierTest.Stats s = verifyBuilt(b, 997);
        assertEquals(1, s.indirectLevels());
        assertEquals(3, s.nodes());
        ByteBuffer root = b.blocks().get(0);
        assertEquals(3, root.getShort(34));
        assertEquals(0x7654321, root.getInt(40));
        assertEquals(0x7654321, root.getInt(48));
        // Leaves are spread evenly: 366, 367, 367.
        assertEquals(366, b.blocks().get(1).getShort(10));
        assertEquals(367, b.blocks().get(2).getShort(10));
        assertEquals(367, b.blocks().get(3).getShort(10));
    }

    @Test
    void manySmallRunsWithTwoLevels() {
        // Few distinct majors, so runs of equal hashes cross boundaries in all positions.
        Random r = new Random(2);
        int[] majors = new int[64];
        for (int i = 0; i < majors.length; i++) {
            majors[i] = r.nextInt() & ~1;
        }
        Built b = build(40_000, 60, i -> new DirHash.Hash(majors[r.nextInt(majors.length)], r.nextInt()));
        // Runs average ~13 leaves, which each lookup walks: sample every 5th name.
        HtreeVerifierTest.Stats s = verifyBuilt(b, 5);
        assertEquals(1, s.indirectLevels());
        assertTrue(s.nodes() >= 2);
    }

    @Test
    void extremeHashValues() {
        int[] values = {0, 2, 0xfffffffc, 0x80000000, 0x7ffffffe};
        Built b = build(3000, 100, i -> new DirHash.Hash(values[i % values.length], i));
        verifyBuilt(b);
    }

    @Test
    void moreLeavesThanTwoLevelsCanAddressIsRejected() {
        // One Hashed repeated: the builder never looks at name uniqueness, and it must reject the
        // directory before allocating any blocks (this would be over 1 GiB).
        DirEntry e = DirEntry.of("n".repeat(255), 12, DirEntry.FT_REG_FILE);
        HtreeBuilder.Hashed h = new HtreeBuilder.Hashed(e, 0x1000, 0);
        int n = PER_LEAF_255 * HtreeBuilder.MAX_LEAVES + 1;
        List<HtreeBuilder.Hashed> many = new AbstractList<>() {
            @Override
            public HtreeBuilder.Hashed get(int index) {
                return h;
            }

            @Override
            public int size() {
                return n;
            }
        };
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> HtreeBuilder.build(30, 2, many, 1));
        assertTrue(ex.getMessage().contains("too large"), ex.getMessage());
        assertEquals(259_588, HtreeBuilder.MAX_LEAVES);
    }

    @Test
    void rootAndNodeHeaders() {
        Built b = build(PER_LEAF_255 * 600, 255, i -> new DirHash.Hash(i * 2, 0));
        ByteBuffer root = b.blocks().get(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, root.getInt(24));
        assertEquals(DirHash.HALF_MD4, root.get(28));
        assertEquals(8, root.get(29));
        assertEquals(1, root.get(30));
        assertEquals(0, root.get(31));
        assertEquals(508, root.getShort(32));
        assertEquals(2, root.getShort(34));
        ByteBuffer node = b.blocks().get(1);
        assertEquals(0, node.getInt(0));
        assertEquals(4096, node.getShort(4) & 0xffff);
        assertEquals(0, node.getShort(6));
        assertEquals(511, node.getShort(8));
        assertEquals(300, node.getShort(10));
        assertThrows(IllegalArgumentException.class, () -> HtreeBuilder.build(30, 2, List.of(), 1));
    }
}
