package io.layerd.lcow.ext4;

import static io.layerd.lcow.ext4.DirBlockFormat.DOTDOT_REC_LEN;
import static io.layerd.lcow.ext4.DirBlockFormat.DOT_REC_LEN;
import static io.layerd.lcow.ext4.DirBlockFormat.newBlock;
import static io.layerd.lcow.ext4.DirBlockFormat.putDirent;
import static io.layerd.lcow.ext4.DirBlockFormat.recLen;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The data blocks of one ext4 directory: a single linear block when everything fits, otherwise
 * a hash-tree (htree / dx) directory.
 *
 * <h2>What the caller must do</h2>
 * The blocks assume, and the caller must make the image agree with:
 * <ul>
 *   <li>4 KiB blocks; the {@code filetype} incompat feature (dirents carry file types);
 *       no {@code metadata_csum} (no checksum tails), no {@code largedir}, no casefold or
 *       encryption.</li>
 *   <li>The directory's {@code i_size} = {@link #sizeBytes()} and its logical blocks 0..n-1 map
 *       to {@link #blocks()} in order (e2fsck derives the htree's block count from i_size).</li>
 *   <li>When {@link #indexed()}: {@code EXT4_INDEX_FL} (0x1000) in the inode's {@code i_flags},
 *       and the {@code dir_index} compat feature (0x20) in the superblock. Without the flag the
 *       kernel reads an htree as a linear directory (it was designed to be readable that
 *       way) but then never uses the index.</li>
 *   <li>Superblock hash settings that match {@code build}'s arguments, for every directory of
 *       the image: {@code s_def_hash_version} = {@code hashVersion}, {@code s_hash_seed} =
 *       {@code hashSeed} ({@link DirHash#seedToBytes}), and <b>{@code s_flags} with
 *       {@code EXT2_FLAGS_UNSIGNED_HASH} (0x0002)</b>.</li>
 * </ul>
 *
 * <h2>Stored versus computed hash version</h2>
 * A dx_root stores only the base algorithm (0 legacy, 1 half_md4, 2 tea); e2fsck rejects 3..5
 * there. Readers (the kernel's {@code ext4_fill_super}/{@code dx_probe}, e2fsck's pass 2 and
 * rehash) add 3 when the superblock says {@code EXT2_FLAGS_UNSIGNED_HASH}. This class always
 * assumes that flag (it makes the image independent of the building machine's {@code char}
 * signedness), so for {@code hashVersion} = {@link #STORED_HASH_VERSION} (1, half_md4) the names
 * are hashed with {@link #COMPUTED_HASH_VERSION} (4, half_md4 unsigned) while
 * dx_root_info.hash_version holds 1. See {@link #computedHashVersion(int)}.
 *
 * <h2>Layout</h2>
 * Linear: "." and ".." first, then the children in the given order; the last entry's rec_len
 * runs to the block end. Chosen whenever "." + ".." + all children fit in one block.
 * <p>Htree otherwise (see {@link HtreeBuilder}): block 0 is the dx_root, with a second index
 * level of dx_nodes when more than 508 leaves are needed, then leaves in hash order. More than
 * 508 * 511 leaves would need a third level, which requires {@code largedir}: rejected with an
 * {@link IllegalArgumentException}.
 *
 * <p>Pure in-memory format code: no I/O, no logging.
 */
public final class DirectoryBlocks {
    /** Size of every returned block. */
    public static final int BLOCK_SIZE = DirBlockFormat.BLOCK_SIZE;

    /**
     * The hash version to pass to {@link #build} and to store as {@code s_def_hash_version}
     * (dx_root_info.hash_version gets the same value): half_md4, mke2fs' default.
     */
    public static final int STORED_HASH_VERSION = DirHash.HALF_MD4;

    /**
     * The hash actually computed for {@link #STORED_HASH_VERSION} under
     * {@code EXT2_FLAGS_UNSIGNED_HASH}: half_md4 over unsigned bytes (4).
     */
    public static final int COMPUTED_HASH_VERSION = DirHash.HALF_MD4_UNSIGNED;

    private final List<ByteBuffer> blocks;
    private final boolean indexed;

    private DirectoryBlocks(List<ByteBuffer> blocks, boolean indexed) {
        this.blocks = blocks;
        this.indexed = indexed;
    }

    /**
     * The hash version readers use for a directory whose stored version is
     * {@code storedHashVersion} on an image with {@code EXT2_FLAGS_UNSIGNED_HASH}: stored + 3.
     *
     * @throws IllegalArgumentException unless {@code storedHashVersion} is 0, 1 or 2
     */
    public static int computedHashVersion(int storedHashVersion) {
        if (storedHashVersion < DirHash.LEGACY || storedHashVersion > DirHash.TEA) {
            throw new IllegalArgumentException("stored directory hash version must be " + DirHash.LEGACY + ".."
                    + DirHash.TEA + " (the unsigned variants are selected by s_flags), got " + storedHashVersion);
        }
        return storedHashVersion + DirHash.UNSIGNED_OFFSET;
    }

    /**
     * Builds the blocks of directory {@code selfInode} whose ".." is {@code parentInode} (the
     * root directory passes its own number).
     *
     * @param children    the entries other than "." and ".."; names must be unique
     * @param hashVersion {@code s_def_hash_version}: 0, 1 or 2 (normally
     *                    {@link #STORED_HASH_VERSION}); names are hashed with
     *                    {@link #computedHashVersion}
     * @param hashSeed    {@code s_hash_seed} as 4 words; all zero selects the kernel's default seed
     * @throws IllegalArgumentException for invalid arguments, duplicate or "."/".." child names,
     *                                  or a directory too large for a two-level htree
     */
    public static DirectoryBlocks build(int selfInode, int parentInode, List<DirEntry> children,
                                        int hashVersion, int[] hashSeed) {
        Objects.requireNonNull(children, "children");
        Set<ByteBuffer> names = new HashSet<>(children.size() * 2);
        for (DirEntry e : children) {
            if (e != null && !names.add(ByteBuffer.wrap(e.nameBytes()))) {
                throw new IllegalArgumentException("duplicate directory entry " + e);
            }
        }
        return buildDistinct(selfInode, parentInode, children, hashVersion, hashSeed);
    }

    /**
     * As {@link #build}, for children already known to have distinct names (the image writer's
     * come from a map keyed by name): hashing every name into a set is a noticeable part of
     * laying out 100,000 entries in a just-started JVM.
     */
    static DirectoryBlocks buildDistinct(int selfInode, int parentInode, List<DirEntry> children,
                                         int hashVersion, int[] hashSeed) {
        Objects.requireNonNull(children, "children");
        Objects.requireNonNull(hashSeed, "hashSeed");
        if (selfInode == 0 || parentInode == 0) {
            throw new IllegalArgumentException("directory and parent inode numbers must be non-zero");
        }
        int computedVersion = computedHashVersion(hashVersion);
        if (hashSeed.length != DirHash.SEED_WORDS) {
            throw new IllegalArgumentException("hash seed must have " + DirHash.SEED_WORDS + " words, got "
                    + hashSeed.length);
        }

        // "." and ".." bodies (12 + 12 bytes) come first in a linear block.
        long linearBytes = DOT_REC_LEN + DOTDOT_REC_LEN;
        for (DirEntry e : children) {
            Objects.requireNonNull(e, "children must not contain null");
            if (e.isDotOrDotDot()) {
                throw new IllegalArgumentException("\".\" and \"..\" are written by DirectoryBlocks, not passed as children");
            }
            linearBytes += recLen(e.nameLength());
        }

        if (linearBytes <= BLOCK_SIZE) {
            return new DirectoryBlocks(List.of(linearBlock(selfInode, parentInode, children)), false);
        }

        List<HtreeBuilder.Hashed> hashed = new ArrayList<>(children.size());
        for (DirEntry e : children) {
            DirHash.Hash h = DirHash.hash(computedVersion, e.nameBytes(), hashSeed);
            hashed.add(new HtreeBuilder.Hashed(e, h.major(), h.minor()));
        }
        hashed.sort(HtreeBuilder.ORDER);
        return new DirectoryBlocks(List.copyOf(HtreeBuilder.build(selfInode, parentInode, hashed, hashVersion)), true);
    }

    /**
     * The blocks in logical order, each a read-only little-endian view of {@link #BLOCK_SIZE}
     * bytes (position 0, limit 4096). Each call returns fresh views.
     */
    public List<ByteBuffer> blocks() {
        List<ByteBuffer> views = new ArrayList<>(blocks.size());
        for (ByteBuffer b : blocks) {
            views.add(b.asReadOnlyBuffer().order(b.order()));
        }
        return views;
    }

    /** Number of blocks: 1 for a linear directory, at least 2 for an htree. */
    public int blockCount() {
        return blocks.size();
    }

    /** The directory's {@code i_size}: blocks * 4096. */
    public long sizeBytes() {
        return (long) blocks.size() * BLOCK_SIZE;
    }

    /** True for an htree: the caller sets {@code EXT4_INDEX_FL} and the {@code dir_index} feature. */
    public boolean indexed() {
        return indexed;
    }

    private static ByteBuffer linearBlock(int selfInode, int parentInode, List<DirEntry> children) {
        ByteBuffer b = newBlock();
        putDirent(b, 0, selfInode, DOT_REC_LEN, ".".getBytes(StandardCharsets.US_ASCII), DirEntry.FT_DIR);
        int offset = DOT_REC_LEN;
        int last = children.size() - 1;
        // ".." is the last entry of an empty directory and then spans the rest of the block.
        putDirent(b, offset, parentInode, last < 0 ? BLOCK_SIZE - offset : DOTDOT_REC_LEN,
                "..".getBytes(StandardCharsets.US_ASCII), DirEntry.FT_DIR);
        offset += DOTDOT_REC_LEN;
        for (int i = 0; i <= last; i++) {
            DirEntry e = children.get(i);
            int rec = i == last ? BLOCK_SIZE - offset : recLen(e.nameLength());
            putDirent(b, offset, e.inode(), rec, e.nameBytes(), e.fileType());
            offset += rec;
        }
        return b;
    }
}
