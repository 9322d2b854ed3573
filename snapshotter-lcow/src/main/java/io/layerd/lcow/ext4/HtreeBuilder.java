package io.layerd.lcow.ext4;

import static io.layerd.lcow.ext4.DirBlockFormat.BLOCK_SIZE;
import static io.layerd.lcow.ext4.DirBlockFormat.DOT_REC_LEN;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_HASH_CONTINUED;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_NODE_ENTRIES;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_NODE_LIMIT;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_ENTRIES;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_HASH_VERSION;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_INDIRECT_LEVELS;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_INFO_LENGTH;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_INFO_SIZE;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_LIMIT;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_RESERVED_ZERO;
import static io.layerd.lcow.ext4.DirBlockFormat.DX_ROOT_UNUSED_FLAGS;
import static io.layerd.lcow.ext4.DirBlockFormat.MAX_INDIRECT_LEVELS;
import static io.layerd.lcow.ext4.DirBlockFormat.newBlock;
import static io.layerd.lcow.ext4.DirBlockFormat.putDirent;
import static io.layerd.lcow.ext4.DirBlockFormat.putDxEntries;
import static io.layerd.lcow.ext4.DirBlockFormat.recLen;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Lays out a hash-tree (dx) directory from children that already carry their hashes.
 *
 * <p>Block order: 0 = dx_root, 1..n = dx_nodes (only with indirect_levels 1), then the leaves
 * in hash order. Any order is legal because dx_entries hold logical block numbers; keeping the
 * index blocks together at the front makes a lookup's index reads adjacent.
 *
 * <p>Leaves are filled the way e2fsck's rehash ({@code copy_dir_entries}) fills them: entries in
 * (major, minor) hash order, a leaf is closed once less than 20 % of it is free (e2fsck's default
 * {@code indexed_dir_slack_percentage}) or the next entry does not fit, and the last entry's
 * rec_len absorbs the rest. The slack lets a later writable mount insert without splitting at
 * once; the order within equal (major, minor) is by name bytes so the output is deterministic.
 *
 * <p>Hash collisions across a leaf boundary: if a leaf's first major hash equals the previous
 * leaf's last one, its dx_entry hash gets bit 0 set ({@code hash | 1}), exactly as the kernel's
 * {@code do_split} and e2fsck's rehash do. A lookup for hash H binary-searches for the last
 * entry {@code <= H}, so {@code H | 1} sends it to the earlier leaf, and
 * {@code ext4_htree_next_block} then continues into every following leaf whose dx hash without
 * bit 0 equals H. Without the bit the earlier leaf's H-names would be unreachable. The same
 * value is used in the root entry for a dx_node whose first leaf continues a run.
 */
final class HtreeBuilder {
    /** e2fsck's default {@code indexed_dir_slack_percentage} (20 %) of a block: 4096 * 20 / 100 = 819. */
    static final int LEAF_SLACK = BLOCK_SIZE * 20 / 100;

    /** The most leaves a root plus one dx_node level can address: 508 * 511 = 259,588. */
    static final int MAX_LEAVES = DX_ROOT_LIMIT * DX_NODE_LIMIT;

    private static final byte[] DOT = ".".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DOTDOT = "..".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_NAME = new byte[0];

    /** A child with its (major, minor) hash. Hashes are unsigned 32-bit values. */
    record Hashed(DirEntry entry, int major, int minor) {
    }

    /** Leaf order: major, then minor (both unsigned), then name bytes (unsigned) for determinism. */
    static final Comparator<Hashed> ORDER = (a, b) -> {
        int c = Integer.compareUnsigned(a.major(), b.major());
        if (c == 0) {
            c = Integer.compareUnsigned(a.minor(), b.minor());
        }
        if (c == 0) {
            c = Arrays.compareUnsigned(a.entry().nameBytes(), b.entry().nameBytes());
        }
        return c;
    };

    private HtreeBuilder() {
    }

    /**
     * @param sorted            the children in {@link #ORDER}, at least one
     * @param storedHashVersion the value for dx_root_info.hash_version (0..2)
     * @return the directory's blocks in logical order
     * @throws IllegalArgumentException if the leaves need more than {@link #MAX_LEAVES}
     */
    static List<ByteBuffer> build(int selfInode, int parentInode, List<Hashed> sorted, int storedHashVersion) {
        int n = sorted.size();
        if (n == 0) {
            throw new IllegalArgumentException("an htree needs at least one entry");
        }

        // Pass 1: decide the leaf boundaries (no block memory yet, so an oversized directory is
        // rejected before anything big is allocated).
        int[] leafStart = new int[n];
        int[] leafHash = new int[n];
        int leaves = 0;
        int left = 0;
        boolean open = false;
        int prevMajor = 0;
        for (int i = 0; i < n; i++) {
            Hashed h = sorted.get(i);
            int rec = recLen(h.entry().nameLength());
            if (open && rec > left) {
                open = false;
            }
            if (!open) {
                leafStart[leaves] = i;
                leafHash[leaves] = i > 0 && h.major() == prevMajor ? h.major() | DX_HASH_CONTINUED : h.major();
                leaves++;
                left = BLOCK_SIZE;
                open = true;
            }
            left -= rec;
            if (left < LEAF_SLACK) {
                open = false;
            }
            prevMajor = h.major();
        }

        int nodes = 0;
        if (leaves > DX_ROOT_LIMIT) {
            if (leaves > MAX_LEAVES) {
                throw new IllegalArgumentException("directory too large: " + n + " entries need " + leaves
                        + " leaf blocks, but a hash tree with " + (MAX_INDIRECT_LEVELS + 1)
                        + " index levels (the limit without the largedir feature) addresses at most "
                        + DX_ROOT_LIMIT + " * " + DX_NODE_LIMIT + " = " + MAX_LEAVES);
            }
            nodes = (leaves + DX_NODE_LIMIT - 1) / DX_NODE_LIMIT;
        }
        int firstLeafBlock = 1 + nodes;
        int[] leafBlock = new int[leaves];
        for (int j = 0; j < leaves; j++) {
            leafBlock[j] = firstLeafBlock + j;
        }

        List<ByteBuffer> blocks = new ArrayList<>(firstLeafBlock + leaves);
        ByteBuffer root = newBlock();
        putDirent(root, 0, selfInode, DOT_REC_LEN, DOT, DirEntry.FT_DIR);
        // ".." spans the rest of the block so that a reader unaware of htrees sees one empty
        // directory block; the index data lives in that slack.
        putDirent(root, DOT_REC_LEN, parentInode, BLOCK_SIZE - DOT_REC_LEN, DOTDOT, DirEntry.FT_DIR);
        root.putInt(DX_ROOT_RESERVED_ZERO, 0);
        root.put(DX_ROOT_HASH_VERSION, (byte) storedHashVersion);
        root.put(DX_ROOT_INFO_LENGTH, (byte) DX_ROOT_INFO_SIZE);
        root.put(DX_ROOT_INDIRECT_LEVELS, (byte) (nodes == 0 ? 0 : 1));
        root.put(DX_ROOT_UNUSED_FLAGS, (byte) 0);
        blocks.add(root);

        if (nodes == 0) {
            putDxEntries(root, DX_ROOT_ENTRIES, DX_ROOT_LIMIT, leafHash, leafBlock, 0, leaves);
        } else {
            // Spread the leaves evenly over the nodes (each gets floor or ceil of leaves/nodes,
            // which is <= 511 because nodes = ceil(leaves / 511)), so every node has room to grow.
            int[] nodeFirstLeaf = new int[nodes + 1];
            int[] nodeHash = new int[nodes];
            int[] nodeBlock = new int[nodes];
            for (int k = 0; k <= nodes; k++) {
                nodeFirstLeaf[k] = (int) ((long) k * leaves / nodes);
            }
            for (int k = 0; k < nodes; k++) {
                // A node's root entry carries its first leaf's hash, continuation bit included,
                // so a lookup for a run that spans the node boundary starts in the earlier node.
                nodeHash[k] = leafHash[nodeFirstLeaf[k]];
                nodeBlock[k] = 1 + k;
                ByteBuffer node = newBlock();
                // An empty dirent covering the whole block: linear readers see a free block.
                putDirent(node, 0, 0, BLOCK_SIZE, NO_NAME, 0);
                putDxEntries(node, DX_NODE_ENTRIES, DX_NODE_LIMIT, leafHash, leafBlock,
                        nodeFirstLeaf[k], nodeFirstLeaf[k + 1] - nodeFirstLeaf[k]);
                blocks.add(node);
            }
            putDxEntries(root, DX_ROOT_ENTRIES, DX_ROOT_LIMIT, nodeHash, nodeBlock, 0, nodes);
        }

        for (int j = 0; j < leaves; j++) {
            int end = j + 1 < leaves ? leafStart[j + 1] : n;
            ByteBuffer leaf = newBlock();
            int offset = 0;
            for (int i = leafStart[j]; i < end; i++) {
                DirEntry e = sorted.get(i).entry();
                int rec = i == end - 1 ? BLOCK_SIZE - offset : recLen(e.nameLength());
                putDirent(leaf, offset, e.inode(), rec, e.nameBytes(), e.fileType());
                offset += rec;
            }
            blocks.add(leaf);
        }
        return blocks;
    }
}
