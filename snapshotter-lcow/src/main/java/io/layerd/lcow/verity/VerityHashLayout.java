package io.layerd.lcow.verity;

/**
 * Geometry of a dm-verity hash area (format 1, SHA-256, 4 KiB data and hash blocks) for a given number
 * of data blocks, computed the way the kernel target and cryptsetup's {@code hash_levels()} do.
 *
 * <p>Level 0 holds one digest per data block, level {@code i+1} one digest per hash block of level
 * {@code i}; every level is zero-padded to whole hash blocks. The number of levels is the smallest
 * {@code L} with {@code (dataBlocks - 1) >> (7 * L) == 0}, so level {@code L-1} is exactly one block and
 * its salted hash is the root hash. A single data block therefore has <em>no</em> hash levels at all and
 * the root hash is the salted hash of that data block; this is what the kernel and veritysetup compute
 * (hcsshim's Go writer would emit a one-block tree there, which only matters for a one-block image).
 *
 * <p>On disk the levels are stored root-most first and leaves last, because the kernel's
 * {@code hash_start} points at the root block and it walks down from there.
 */
public final class VerityHashLayout {

    /** Data block size and hash block size; hcsshim uses the ext4 block size for both. */
    public static final int BLOCK_SIZE = 4096;
    /** SHA-256 digest length. */
    public static final int DIGEST_SIZE = 32;
    /**
     * Digests per hash block: 4096 / 32 = 128. A 32-byte digest is already a power of two, so format 1
     * adds no per-digest padding.
     */
    public static final int HASHES_PER_BLOCK = BLOCK_SIZE / DIGEST_SIZE;
    /** log2(HASHES_PER_BLOCK) = 7: how far each level shifts the block count. */
    static final int HASH_PER_BLOCK_BITS = Integer.numberOfTrailingZeros(HASHES_PER_BLOCK);

    private final long dataBlocks;
    /** Blocks per level, index 0 = leaves (digests of data blocks). */
    private final long[] levelBlocks;
    private final long treeBlocks;

    private VerityHashLayout(long dataBlocks, long[] levelBlocks) {
        this.dataBlocks = dataBlocks;
        this.levelBlocks = levelBlocks;
        long sum = 0;
        for (long n : levelBlocks) {
            sum += n;
        }
        this.treeBlocks = sum;
    }

    /**
     * @param dataBlocks number of 4 KiB data blocks, at least 1 (dm-verity cannot map an empty device)
     */
    public static VerityHashLayout of(long dataBlocks) {
        if (dataBlocks < 1) {
            throw new IllegalArgumentException("dm-verity needs at least one data block: " + dataBlocks);
        }
        int levels = 0;
        while (HASH_PER_BLOCK_BITS * levels < Long.SIZE
                && ((dataBlocks - 1) >>> (HASH_PER_BLOCK_BITS * levels)) != 0) {
            levels++;
        }
        long[] sizes = new long[levels];
        for (int i = 0; i < levels; i++) {
            // ceil(dataBlocks / 128^(i+1)) written as ((n-1) >> k) + 1 so it cannot overflow.
            int shift = HASH_PER_BLOCK_BITS * (i + 1);
            sizes[i] = shift >= Long.SIZE ? 1 : ((dataBlocks - 1) >>> shift) + 1;
        }
        return new VerityHashLayout(dataBlocks, sizes);
    }

    public long dataBlocks() {
        return dataBlocks;
    }

    /** Number of hash levels; 0 only for a single data block. */
    public int levels() {
        return levelBlocks.length;
    }

    /** Hash blocks in level {@code level}, where 0 is the leaf level. */
    public long levelBlocks(int level) {
        return levelBlocks[level];
    }

    /** Total hash blocks over all levels (the superblock is not included). */
    public long treeBlocks() {
        return treeBlocks;
    }

    /** Bytes of the hash tree, excluding the superblock. */
    public long treeSize() {
        return treeBlocks * BLOCK_SIZE;
    }

    /**
     * Block offset of {@code level} from the start of the tree in the on-disk order (root-most level
     * first): the sum of the sizes of all levels above it.
     */
    public long levelTreeBlockOffset(int level) {
        long offset = 0;
        for (int j = levelBlocks.length - 1; j > level; j--) {
            offset += levelBlocks[j];
        }
        return offset;
    }
}
