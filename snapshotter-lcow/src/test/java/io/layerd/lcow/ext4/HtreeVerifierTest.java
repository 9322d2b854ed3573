package io.layerd.lcow.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * An independent reader for directory blocks, used by the DirectoryBlocks and Htree tests: it
 * re-parses the bytes (it does not reuse the writer's constants), applies the checks of e2fsck's
 * pass 2 plus stricter ones, and simulates the kernel's htree lookup ({@code dx_probe} +
 * {@code ext4_htree_next_block}). The tests in this class show that it notices corruption.
 */
class HtreeVerifierTest {
    static final int BS = 4096;

    /** Name to (major, minor) hash, as the reader of the image would compute it. */
    interface Hasher {
        DirHash.Hash hash(byte[] name);
    }

    record Stats(boolean indexed, int indirectLevels, int nodes, int leaves) {
    }

    record Dirent(int offset, int inode, int recLen, int nameLen, int fileType, byte[] name) {
    }

    static List<Dirent> dirents(ByteBuffer b, int blockNo) {
        b = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(BS, b.capacity(), "block size");
        List<Dirent> out = new ArrayList<>();
        int off = 0;
        while (off < BS) {
            int inode = b.getInt(off);
            int rec = b.getShort(off + 4) & 0xffff;
            int nameLen = b.get(off + 6) & 0xff;
            int ft = b.get(off + 7) & 0xff;
            // e2fsck pass 2 / ext4_check_dir_entry rules (messages built only on failure: this
            // runs for every entry of every lookup).
            if (rec < 12 || rec % 4 != 0 || off + rec > BS || nameLen + 8 > rec) {
                fail("block " + blockNo + " offset " + off + ": bad rec_len " + rec + " for name_len " + nameLen);
            }
            byte[] name = new byte[nameLen];
            b.get(off + 8, name);
            if (inode != 0) {
                if (nameLen == 0) {
                    fail("block " + blockNo + " offset " + off + ": empty name");
                }
                for (byte c : name) {
                    if (c == 0 || c == '/') {
                        fail("block " + blockNo + " offset " + off + ": NUL or '/' in name");
                    }
                }
                if (ft < 1 || ft > 7) {
                    fail("block " + blockNo + " offset " + off + ": file type " + ft);
                }
            }
            out.add(new Dirent(off, inode, rec, nameLen, ft, name));
            off += rec;
        }
        assertEquals(BS, off, "block " + blockNo + " dirents must end exactly at the block end");
        return out;
    }

    private static int minRec(int nameLen) {
        return (8 + nameLen + 3) & ~3;
    }

    private static String key(byte[] name, int inode, int ft) {
        return Arrays.toString(name) + "/" + inode + "/" + ft;
    }

    /**
     * Checks {@code blocks} as the directory {@code self} with parent {@code parent} holding
     * exactly {@code children} (in this order when linear), hashed with {@code hasher}.
     */
    static Stats verify(List<ByteBuffer> blocks, boolean indexed, int self, int parent, List<DirEntry> children,
                        int storedHashVersion, Hasher hasher) {
        return verify(blocks, indexed, self, parent, children, storedHashVersion, hasher, 1);
    }

    /**
     * As above, but the (slow for long collision runs) kernel-lookup simulation only runs for
     * every {@code lookupStride}-th child and the last one.
     */
    static Stats verify(List<ByteBuffer> blocks, boolean indexed, int self, int parent, List<DirEntry> children,
                        int storedHashVersion, Hasher hasher, int lookupStride) {
        for (int i = 0; i < blocks.size(); i++) {
            dirents(blocks.get(i), i);
        }
        if (!indexed) {
            assertEquals(1, blocks.size(), "a linear directory from DirectoryBlocks is one block");
            List<Dirent> d = dirents(blocks.get(0), 0);
            assertEquals(children.size() + 2, d.size());
            checkDot(d.get(0), self);
            assertEquals(parent, d.get(1).inode());
            assertEquals("..", new String(d.get(1).name()));
            assertEquals(2, d.get(1).fileType());
            for (int i = 0; i < children.size(); i++) {
                DirEntry c = children.get(i);
                Dirent e = d.get(i + 2);
                assertTrue(Arrays.equals(c.name(), e.name()), "child " + i + " name/order");
                assertEquals(c.inode(), e.inode());
                assertEquals(c.fileType(), e.fileType());
            }
            for (int i = 0; i < d.size() - 1; i++) {
                assertEquals(minRec(d.get(i).nameLen()), d.get(i).recLen(), "only the last entry is stretched");
            }
            return new Stats(false, 0, 0, 0);
        }

        assertTrue(blocks.size() >= 2, "an htree has a root and at least one leaf");
        ByteBuffer root = blocks.get(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<Dirent> rd = dirents(root, 0);
        assertEquals(2, rd.size(), "dx_root holds only '.' and '..'");
        checkDot(rd.get(0), self);
        assertEquals(12, rd.get(0).recLen());
        assertEquals(parent, rd.get(1).inode());
        assertEquals("..", new String(rd.get(1).name()));
        assertEquals(2, rd.get(1).fileType());
        assertEquals(BS - 12, rd.get(1).recLen(), "'..' covers the rest of the dx_root");
        assertEquals(0, root.getInt(24), "reserved_zero");
        assertEquals(storedHashVersion, root.get(28) & 0xff, "hash_version");
        assertEquals(8, root.get(29) & 0xff, "info_length");
        int levels = root.get(30) & 0xff;
        assertTrue(levels <= 1, "indirect_levels " + levels + " needs largedir");
        assertEquals(0, root.get(31) & 0xff, "unused_flags");

        // Walk the index: collect leaves in tree order with their dx hash (the hash that leads a
        // lookup to them; 0 for the very first leaf).
        boolean[] seen = new boolean[blocks.size()];
        seen[0] = true;
        List<int[]> leaves = new ArrayList<>(); // {block, dxHash}
        int[] nodes = {0};
        walk(blocks, 0, 32, (BS - 32) / 8, levels, 0, seen, leaves, nodes);
        for (int i = 0; i < seen.length; i++) {
            assertTrue(seen[i], "block " + i + " is not referenced by the index");
        }

        Map<String, Integer> expected = new HashMap<>();
        for (DirEntry c : children) {
            expected.merge(key(c.name(), c.inode(), c.fileType()), 1, Integer::sum);
        }
        int prevLast = -1;
        boolean havePrev = false;
        for (int li = 0; li < leaves.size(); li++) {
            final int leafNo = li;
            int blk = leaves.get(li)[0];
            int lower = leaves.get(li)[1];
            Integer upper = li + 1 < leaves.size() ? leaves.get(li + 1)[1] : null;
            if (li > 0) {
                assertTrue(Integer.compareUnsigned(leaves.get(li - 1)[1], lower) <= 0, () -> "dx hashes out of order at leaf " + leafNo);
            }
            List<Dirent> d = dirents(blocks.get(blk), blk);
            int used = 0;
            DirHash.Hash prev = null;
            for (int i = 0; i < d.size(); i++) {
                Dirent e = d.get(i);
                assertTrue(e.inode() != 0, () -> "leaf block " + blk + " has an empty slot");
                assertTrue(!isDot(e.name()), "'.' or '..' inside a leaf");
                if (i < d.size() - 1) {
                    assertEquals(minRec(e.nameLen()), e.recLen(), "only the last entry is stretched");
                }
                used += minRec(e.nameLen());
                String k = key(e.name(), e.inode(), e.fileType());
                Integer left = expected.get(k);
                assertTrue(left != null && left > 0, () -> "unexpected or repeated entry " + new String(e.name()));
                expected.put(k, left - 1);

                DirHash.Hash h = hasher.hash(e.name());
                int major = h.major();
                // e2fsck: leaf hashes within [node_min, node_max] (bit 0 ignored).
                assertTrue(Integer.compareUnsigned(major, lower & ~1) >= 0,
                        () -> String.format("leaf %d: hash %08x below its dx range %08x", leafNo, major, lower));
                if (upper != null) {
                    int up = upper & ~1;
                    assertTrue(Integer.compareUnsigned(major, up) <= 0,
                            () -> String.format("leaf %d: hash %08x above its dx range %08x", leafNo, major, up));
                    // Kernel: a name hashing to the next leaf's start hash is only found in this
                    // leaf if the next leaf says "continued".
                    if (major == up) {
                        assertEquals(1, upper & 1, () -> String.format(
                                "leaf %d ends with hash %08x but the next leaf's dx hash lacks the continuation bit", leafNo, major));
                    }
                }
                if (i == 0 && (lower & 1) != 0) {
                    assertTrue(havePrev && prevLast == major,
                            () -> String.format("leaf %d is marked continued but starts with %08x", leafNo, major));
                }
                if (i == 0 && li > 0 && (lower & 1) == 0) {
                    assertTrue(!havePrev || prevLast != major, () -> String.format(
                            "leaf %d starts with the previous leaf's last hash %08x without the continuation bit", leafNo, major));
                }
                if (prev != null) {
                    assertTrue(prev.compareTo(h) <= 0, () -> "leaf " + leafNo + " not in hash order");
                }
                prev = h;
            }
            if (li < leaves.size() - 1) {
                // e2fsck rehash policy: a leaf is only closed once under 20 % of it is free.
                assertTrue(used >= BS - BS * 20 / 100, "leaf " + li + " only " + used + " bytes full");
            }
            prevLast = prev.major();
            havePrev = true;
        }
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(0, e.getValue(), "entry missing from the leaves: " + e.getKey());
        }
        for (int i = 0; i < children.size(); i++) {
            if (i % lookupStride == 0 || i == children.size() - 1) {
                DirEntry c = children.get(i);
                assertTrue(kernelLookup(blocks, c.name(), hasher.hash(c.name()).major()),
                        "kernel-style lookup does not find " + c);
            }
        }
        return new Stats(true, levels, nodes[0], leaves.size());
    }

    private static void walk(List<ByteBuffer> blocks, int blk, int entriesOff, int expectLimit, int levelsBelow,
                             int inheritedHash, boolean[] seen, List<int[]> leaves, int[] nodes) {
        ByteBuffer b = blocks.get(blk).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int limit = b.getShort(entriesOff) & 0xffff;
        int count = b.getShort(entriesOff + 2) & 0xffff;
        assertEquals(expectLimit, limit, "dx limit in block " + blk);
        assertTrue(count >= 1 && count <= limit, "dx count " + count + " in block " + blk);
        for (int i = 0; i < count; i++) {
            int hash = i == 0 ? inheritedHash : b.getInt(entriesOff + 8 * i);
            if (i > 0) {
                int prevHash = i == 1 ? inheritedHash : b.getInt(entriesOff + 8 * (i - 1));
                assertTrue(Integer.compareUnsigned(prevHash, hash) <= 0, "dx entries out of order in block " + blk);
            }
            int child = b.getInt(entriesOff + 8 * i + 4);
            assertTrue(child > 0 && child < blocks.size(), "dx entry points outside the directory: " + child);
            assertFalse(seen[child], "block " + child + " referenced twice");
            seen[child] = true;
            if (levelsBelow > 0) {
                List<Dirent> fake = dirents(blocks.get(child), child);
                assertEquals(1, fake.size(), "dx_node has one fake dirent");
                assertEquals(0, fake.get(0).inode());
                assertEquals(BS, fake.get(0).recLen());
                assertEquals(0, fake.get(0).nameLen());
                assertEquals(0, fake.get(0).fileType());
                nodes[0]++;
                walk(blocks, child, 8, (BS - 8) / 8, levelsBelow - 1, hash, seen, leaves, nodes);
            } else {
                leaves.add(new int[] {child, hash});
            }
        }
    }

    private static void checkDot(Dirent d, int self) {
        assertEquals(self, d.inode());
        assertEquals(".", new String(d.name()));
        assertEquals(2, d.fileType());
    }

    private static boolean isDot(byte[] n) {
        return (n.length == 1 && n[0] == '.') || (n.length == 2 && n[0] == '.' && n[1] == '.');
    }

    /**
     * The kernel's lookup: binary-search each index level for the last entry whose hash is
     * {@code <= hash}, scan that leaf, then keep moving to the next leaf (climbing and descending
     * the index as needed) while the next dx hash without bit 0 equals {@code hash}.
     */
    static boolean kernelLookup(List<ByteBuffer> blocks, byte[] name, int hash) {
        ByteBuffer root = blocks.get(0).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int levels = root.get(30) & 0xff;
        int[] fBlock = new int[levels + 1];
        int[] fOff = new int[levels + 1];
        int[] fAt = new int[levels + 1];
        int blk = 0;
        int off = 24 + (root.get(29) & 0xff);
        for (int lvl = 0; lvl <= levels; lvl++) {
            ByteBuffer b = blocks.get(blk).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int count = b.getShort(off + 2) & 0xffff;
            int p = 1;
            int q = count - 1;
            while (p <= q) {
                int m = (p + q) >>> 1;
                if (Integer.compareUnsigned(b.getInt(off + 8 * m), hash) > 0) {
                    q = m - 1;
                } else {
                    p = m + 1;
                }
            }
            fBlock[lvl] = blk;
            fOff[lvl] = off;
            fAt[lvl] = p - 1;
            blk = b.getInt(off + 8 * (p - 1) + 4);
            off = 8;
        }
        while (true) {
            if (leafContains(blocks.get(blk), name)) {
                return true;
            }
            int lvl = levels;
            while (true) {
                ByteBuffer b = blocks.get(fBlock[lvl]).duplicate().order(ByteOrder.LITTLE_ENDIAN);
                if (++fAt[lvl] < (b.getShort(fOff[lvl] + 2) & 0xffff)) {
                    break;
                }
                if (lvl == 0) {
                    return false;
                }
                lvl--;
            }
            ByteBuffer b = blocks.get(fBlock[lvl]).duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int bhash = b.getInt(fOff[lvl] + 8 * fAt[lvl]);
            if ((bhash & ~1) != hash) {
                return false;
            }
            blk = b.getInt(fOff[lvl] + 8 * fAt[lvl] + 4);
            for (int l = lvl + 1; l <= levels; l++) {
                fBlock[l] = blk;
                fOff[l] = 8;
                fAt[l] = 0;
                blk = blocks.get(blk).duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(8 + 4);
            }
        }
    }

    /** A plain linear scan of one block (dirents() has already validated every block). */
    private static boolean leafContains(ByteBuffer block, byte[] name) {
        ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int off = 0;
        while (off < BS) {
            int rec = b.getShort(off + 4) & 0xffff;
            if (b.getInt(off) != 0 && (b.get(off + 6) & 0xff) == name.length
                    && b.slice(off + 8, name.length).equals(ByteBuffer.wrap(name))) {
                return true;
            }
            off += rec;
        }
        return false;
    }

    /** Mutable copies, for corrupting. */
    static List<ByteBuffer> copy(List<ByteBuffer> blocks) {
        List<ByteBuffer> out = new ArrayList<>();
        for (ByteBuffer b : blocks) {
            ByteBuffer c = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
            c.put(b.duplicate().position(0));
            out.add(c.clear());
        }
        return out;
    }

    // ---- the verifier notices problems ----

    private static final int[] SEED = {0x11111111, 0x22222222, 0x33333333, 0x44444444};

    private static List<DirEntry> names(int n, int len) {
        List<DirEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String s = String.format("%0" + len + "d", i);
            out.add(DirEntry.of(s, 100 + i, DirEntry.FT_REG_FILE));
        }
        return out;
    }

    private static Hasher half(int[] seed) {
        return name -> DirHash.hash(DirHash.HALF_MD4_UNSIGNED, name, seed);
    }

    @Test
    void acceptsGoodHtreeAndRejectsOutOfRangeLeaf() {
        List<DirEntry> kids = names(300, 30);
        DirectoryBlocks db = DirectoryBlocks.build(50, 2, kids, 1, SEED);
        verify(db.blocks(), true, 50, 2, kids, 1, half(SEED));

        List<ByteBuffer> bad = copy(db.blocks());
        // Swap the block pointers of the first two leaves: both land outside their ranges.
        ByteBuffer root = bad.get(0);
        int b0 = root.getInt(36);
        int b1 = root.getInt(44);
        root.putInt(36, b1).putInt(44, b0);
        assertThrows(AssertionFailedError.class, () -> verify(bad, true, 50, 2, kids, 1, half(SEED)));
    }

    @Test
    void rejectsMissingContinuationBit() {
        // Every name has the same major hash, so leaves 1.. continue leaf 0's run.
        List<DirEntry> kids = names(400, 40);
        Map<String, DirHash.Hash> fake = new HashMap<>();
        List<HtreeBuilder.Hashed> hashed = new ArrayList<>();
        for (int i = 0; i < kids.size(); i++) {
            DirHash.Hash h = new DirHash.Hash(0x12345678, i);
            fake.put(Arrays.toString(kids.get(i).name()), h);
            hashed.add(new HtreeBuilder.Hashed(kids.get(i), h.major(), h.minor()));
        }
        Hasher hasher = n -> Objects.requireNonNull(fake.get(Arrays.toString(n)));
        List<ByteBuffer> good = HtreeBuilder.build(50, 2, hashed, 1);
        verify(good, true, 50, 2, kids, 1, hasher);

        List<ByteBuffer> bad = copy(good);
        bad.get(0).putInt(32 + 8, 0x12345678); // entry 1's hash without bit 0
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> verify(bad, true, 50, 2, kids, 1, hasher));
        assertTrue(e.getMessage().contains("continuation"), e.getMessage());
        // And the kernel would indeed lose names of the first leaf.
        assertFalse(kernelLookup(bad, kids.get(0).name(), 0x12345678));
        assertTrue(kernelLookup(good, kids.get(0).name(), 0x12345678));
    }

    @Test
    void rejectsBadRecLen() {
        List<DirEntry> kids = names(20, 5);
        DirectoryBlocks db = DirectoryBlocks.build(50, 2, kids, 1, SEED);
        List<ByteBuffer> bad = copy(db.blocks());
        bad.get(0).putShort(12 + 4, (short) 10); // ".." rec_len below 12
        assertThrows(AssertionFailedError.class, () -> verify(bad, false, 50, 2, kids, 1, half(SEED)));
        List<ByteBuffer> bad2 = copy(db.blocks());
        bad2.get(0).putShort(12 + 4, (short) 14); // not a multiple of 4
        assertThrows(AssertionFailedError.class, () -> verify(bad2, false, 50, 2, kids, 1, half(SEED)));
    }

    @Test
    void rejectsMissingChild() {
        List<DirEntry> kids = names(300, 30);
        DirectoryBlocks db = DirectoryBlocks.build(50, 2, kids, 1, SEED);
        List<DirEntry> more = new ArrayList<>(kids);
        more.add(DirEntry.of("not-there", 7, 1));
        try {
            verify(db.blocks(), true, 50, 2, more, 1, half(SEED));
        } catch (AssertionFailedError expected) {
            return;
        }
        fail("a missing child went unnoticed");
    }
}
