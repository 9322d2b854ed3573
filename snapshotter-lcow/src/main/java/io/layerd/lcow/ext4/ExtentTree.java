package io.layerd.lcow.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a file's extent tree: up to 4 extents live in i_block (depth 0); more go into leaf
 * blocks of 340 extents, indexed from i_block, with further index levels as needed, so any
 * number of extents is addressable.
 *
 * <pre>
 * header (12): eh_magic u16 | eh_entries u16 | eh_max u16 | eh_depth u16 | eh_generation u32
 * extent (12): ee_block u32 | ee_len u16 | ee_start_hi u16 | ee_start_lo u32
 * index  (12): ei_block u32 | ei_leaf_lo u32 | ei_leaf_hi u16 | ei_unused u16
 * </pre>
 */
final class ExtentTree {
    /** Hands out the physical block for a new tree block and writes it. */
    interface TreeBlockSink {
        long allocateAndWrite(ByteBuffer block) throws IOException;
    }

    /** The 60 bytes of i_block and how many tree blocks were written. */
    record Built(byte[] iBlock, int treeBlocks) {
    }

    private ExtentTree() {
    }

    /** Whether {@code extents} fit in i_block, needing no tree blocks ({@link #inInode}). */
    static boolean fitsInInode(ExtentList extents) {
        return extents.count() <= Ext4.EXTENTS_IN_INODE;
    }

    /** i_block holding {@code extents} themselves (depth 0); they must {@link #fitsInInode fit}. */
    static byte[] inInode(ExtentList extents) {
        int n = extents.count();
        byte[] root = node(Ext4.EXTENTS_IN_INODE, 0, n, Ext4.I_BLOCK_SIZE);
        for (int i = 0; i < n; i++) {
            putExtent(root, i, extents.logical(i), extents.physical(i), extents.length(i));
        }
        return root;
    }

    static Built build(ExtentList extents, TreeBlockSink sink) throws IOException {
        int n = extents.count();
        if (fitsInInode(extents)) {
            return new Built(inInode(extents), 0);
        }
        // Leaves: each holds up to 340 extents; remember (first logical block, physical block).
        List<long[]> level = new ArrayList<>();
        int written = 0;
        for (int start = 0; start < n; start += Ext4.EXTENTS_PER_BLOCK) {
            int count = Math.min(Ext4.EXTENTS_PER_BLOCK, n - start);
            byte[] leaf = node(Ext4.EXTENTS_PER_BLOCK, 0, count, Ext4.BLOCK_SIZE);
            for (int i = 0; i < count; i++) {
                putExtent(leaf, i, extents.logical(start + i), extents.physical(start + i), extents.length(start + i));
            }
            level.add(new long[]{extents.logical(start), sink.allocateAndWrite(ByteBuffer.wrap(leaf))});
            written++;
        }
        int depth = 1;
        while (level.size() > Ext4.EXTENTS_IN_INODE) {
            List<long[]> up = new ArrayList<>();
            for (int start = 0; start < level.size(); start += Ext4.EXTENTS_PER_BLOCK) {
                int count = Math.min(Ext4.EXTENTS_PER_BLOCK, level.size() - start);
                byte[] index = node(Ext4.EXTENTS_PER_BLOCK, depth, count, Ext4.BLOCK_SIZE);
                for (int i = 0; i < count; i++) {
                    putIndex(index, i, level.get(start + i)[0], level.get(start + i)[1]);
                }
                up.add(new long[]{level.get(start)[0], sink.allocateAndWrite(ByteBuffer.wrap(index))});
                written++;
            }
            level = up;
            depth++;
        }
        byte[] root = node(Ext4.EXTENTS_IN_INODE, depth, level.size(), Ext4.I_BLOCK_SIZE);
        for (int i = 0; i < level.size(); i++) {
            putIndex(root, i, level.get(i)[0], level.get(i)[1]);
        }
        return new Built(root, written);
    }

    private static byte[] node(int max, int depth, int entries, int size) {
        byte[] b = new byte[size];
        LittleEndian.putShort(b, 0, Ext4.EXTENT_MAGIC);
        LittleEndian.putShort(b, 2, entries);
        LittleEndian.putShort(b, 4, max);
        LittleEndian.putShort(b, 6, depth);
        return b; // eh_generation stays 0
    }

    private static void putExtent(byte[] b, int i, long logical, long physical, int length) {
        int at = Ext4.EXTENT_ENTRY_SIZE * (i + 1);
        LittleEndian.putInt(b, at, (int) logical);
        LittleEndian.putShort(b, at + 4, length);
        LittleEndian.putShort(b, at + 6, (int) (physical >>> 32));
        LittleEndian.putInt(b, at + 8, (int) physical);
    }

    private static void putIndex(byte[] b, int i, long logical, long leaf) {
        int at = Ext4.EXTENT_ENTRY_SIZE * (i + 1);
        LittleEndian.putInt(b, at, (int) logical);
        LittleEndian.putInt(b, at + 4, (int) leaf);
        LittleEndian.putShort(b, at + 8, (int) (leaf >>> 32));
        LittleEndian.putShort(b, at + 10, 0);
    }
}
