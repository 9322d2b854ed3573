package io.layerd.lcow.verity;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;

/**
 * Builds the dm-verity hash tree of an image while the image is being written, in any block order.
 *
 * <p>The caller reports the final content of each data block with {@link #onBlock}; the builder hashes
 * it immediately ({@code SHA256(salt || block)}) and files the 32-byte digest in a scratch file at
 * {@code blockIndex * 32}. Reporting the same block again replaces its digest (last write wins), so an
 * ext4 writer can report superblocks, group descriptors and inode tables when it finally writes them.
 * Blocks never reported are holes and count as zero blocks. {@link #finish} then derives the upper levels
 * from the leaf digests alone (1/128 of the data), never re-reading the image.
 *
 * <p>Memory stays bounded regardless of image size: a 256 KiB leaf page cache plus two transient
 * 256 KiB buffers in {@link #finish}. Disk use is the hash tree itself (about 1/127 of the data, so
 * ~1 GiB for a 128 GiB image) in the scratch file, which is deleted when the returned
 * {@link VerityTree} (or this builder, if never finished) is closed; on Unix the JDK already unlinks a
 * {@code DELETE_ON_CLOSE} file right after opening it, so a crash leaves nothing behind. Put the scratch
 * file next to the output rather than on a small tmpfs.
 *
 * <p>Parameters are hcsshim's: SHA-256, 4 KiB data and hash blocks, hash type 1, superblock version 1,
 * 32 zero bytes of salt by default, random UUID by default.
 *
 * <p><b>Thread-safety:</b> not thread-safe. Use it from one writer thread, or serialise calls
 * externally; {@link #finish} must happen-after every {@link #onBlock}.
 *
 * <pre>{@code
 * try (VerityTreeBuilder verity = new VerityTreeBuilder(outputDir)) {
 *     verity.onBlock(index, block);              // for every block written, in any order
 *     try (VerityTree tree = verity.finish(dataBlocks)) {
 *         tree.writeTo(imageChannel, dataBlocks * 4096L);   // superblock + tree after the ext4 data
 *         String root = tree.rootHashHex();
 *     }
 * }
 * }</pre>
 */
public final class VerityTreeBuilder implements AutoCloseable {

    /** hcsshim's salt: 32 zero bytes. */
    public static final int DEFAULT_SALT_SIZE = 32;

    /**
     * Hash blocks processed per read in {@link #finish}: 64 * 4 KiB = 256 KiB, large enough to keep the
     * scratch-file reads efficient, small enough to be irrelevant for heap use.
     */
    static final int CHUNK_BLOCKS = 64;
    private static final int BLOCK_SIZE = VerityHashLayout.BLOCK_SIZE;
    private static final int DIGEST_SIZE = VerityHashLayout.DIGEST_SIZE;

    private final byte[] salt;
    private final UUID uuid;
    private final MessageDigest sha256;
    /** SHA256(salt || 4096 zero bytes): the leaf digest of every hole, computed once. */
    private final byte[] zeroBlockDigest;
    private final byte[] digest = new byte[DIGEST_SIZE];
    private final Path scratchPath;
    private final FileChannel scratch;
    private final LeafHashStore leaves;
    private boolean finished;
    private boolean closed;

    /** Default salt (32 zero bytes), random UUID, scratch file in {@code java.io.tmpdir}. */
    public VerityTreeBuilder() throws IOException {
        this(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Default salt (32 zero bytes), random UUID, scratch file in {@code scratchDirectory}. */
    public VerityTreeBuilder(Path scratchDirectory) throws IOException {
        this(scratchDirectory, new byte[DEFAULT_SALT_SIZE], UUID.randomUUID());
    }

    /**
     * @param scratchDirectory where the leaf-digest scratch file is created
     * @param salt 0..256 bytes; prepended to every hashed block
     * @param uuid recorded in the superblock (veritysetup shows it; the kernel ignores it)
     */
    public VerityTreeBuilder(Path scratchDirectory, byte[] salt, UUID uuid) throws IOException {
        Objects.requireNonNull(scratchDirectory, "scratchDirectory");
        Objects.requireNonNull(salt, "salt");
        this.uuid = Objects.requireNonNull(uuid, "uuid");
        if (salt.length > VeritySuperblock.MAX_SALT_SIZE) {
            throw new IllegalArgumentException("salt longer than " + VeritySuperblock.MAX_SALT_SIZE + " bytes");
        }
        this.salt = salt.clone();
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE implementation is required to provide SHA-256.
            throw new IllegalStateException(e);
        }
        this.zeroBlockDigest = new byte[DIGEST_SIZE];
        hashBlock(ByteBuffer.allocate(BLOCK_SIZE), zeroBlockDigest);

        this.scratchPath = Files.createTempFile(scratchDirectory, "verity-tree-", ".tmp");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(scratchPath, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
            this.leaves = new LeafHashStore(channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(scratchPath);
            throw e;
        }
        this.scratch = channel;
    }

    public UUID uuid() {
        return uuid;
    }

    public byte[] salt() {
        return salt.clone();
    }

    /**
     * Records the final content of data block {@code blockIndex}. A later call for the same index
     * replaces this one. Reads the buffer's remaining bytes without moving its position.
     *
     * @param block exactly 4096 remaining bytes
     */
    public void onBlock(long blockIndex, ByteBuffer block) throws IOException {
        ensureWritable();
        if (blockIndex < 0) {
            throw new IllegalArgumentException("negative block index: " + blockIndex);
        }
        if (block.remaining() != BLOCK_SIZE) {
            throw new IllegalArgumentException("data block must be " + BLOCK_SIZE + " bytes, got " + block.remaining());
        }
        hashBlock(block.duplicate(), digest);
        leaves.put(blockIndex, digest);
    }

    /**
     * Completes the tree for an image of {@code dataBlocks} blocks. Blocks never reported are zero
     * blocks. The builder can take no more blocks afterwards; the scratch file now belongs to the
     * returned tree, which must be closed.
     *
     * @throws IllegalArgumentException if a reported block index is {@code >= dataBlocks}
     */
    public VerityTree finish(long dataBlocks) throws IOException {
        return finish(dataBlocks, uuid);
    }

    /**
     * As {@link #finish(long)}, recording {@code superblockUuid} instead of the one given at
     * construction: a writer that derives the UUID from content learns it only at the end.
     */
    public VerityTree finish(long dataBlocks, UUID superblockUuid) throws IOException {
        Objects.requireNonNull(superblockUuid, "superblockUuid");
        ensureWritable();
        VerityHashLayout layout = VerityHashLayout.of(dataBlocks);
        if (leaves.maxIndex() >= dataBlocks) {
            throw new IllegalArgumentException("block " + leaves.maxIndex() + " was reported but the image has only "
                    + dataBlocks + " blocks");
        }
        leaves.flush();
        finished = true;
        VeritySuperblock superblock = VeritySuperblock.sha256(superblockUuid, dataBlocks, salt);
        try {
            int levels = layout.levels();
            if (levels == 0) {
                // One data block: no hash blocks at all, and the root hash is that block's digest.
                byte[] leaf = readFully(ByteBuffer.allocate(DIGEST_SIZE), 0, true).array();
                byte[] root = isZero(leaf, 0, DIGEST_SIZE) ? zeroBlockDigest.clone() : leaf;
                scratch.close();
                return new VerityTree(superblock, layout, root, null, new long[0]);
            }
            // Scratch file holds the levels bottom-up: leaves at 0 (where onBlock put them), then level 1...
            long[] scratchOffsets = new long[levels];
            long offset = 0;
            for (int level = 0; level < levels; level++) {
                scratchOffsets[level] = offset;
                offset += layout.levelBlocks(level) * BLOCK_SIZE;
            }
            ByteBuffer in = ByteBuffer.allocate(CHUNK_BLOCKS * BLOCK_SIZE);
            ByteBuffer out = ByteBuffer.allocate(CHUNK_BLOCKS * BLOCK_SIZE);
            for (int level = 0; level + 1 < levels; level++) {
                hashLevel(scratchOffsets[level], layout.levelBlocks(level), level == 0 ? dataBlocks : -1,
                        scratchOffsets[level + 1], layout.levelBlocks(level + 1), in, out);
            }
            if (levels == 1) {
                // The leaf level is also the top level; it still needs its holes filled and its padding written.
                hashLevel(0, 1, dataBlocks, -1, 0, in, out);
            }
            ByteBuffer top = readFully(ByteBuffer.allocate(BLOCK_SIZE), scratchOffsets[levels - 1], false);
            byte[] root = new byte[DIGEST_SIZE];
            hashBlock(top.flip(), root);
            return new VerityTree(superblock, layout, root, scratch, scratchOffsets);
        } catch (IOException | RuntimeException e) {
            scratch.close();
            throw e;
        }
    }

    /**
     * Hashes every block of one level into the next. For the leaf level ({@code leafEntries >= 0}) it
     * first replaces never-written digests (all zeros) below {@code leafEntries} with the zero-block
     * digest and writes the chunk back, so the scratch file ends up holding the final, fully materialised
     * leaf level. The next level is zero-padded to {@code dstBlocks} whole blocks.
     * A {@code dstOffset} of -1 skips the next level (used when the leaf level is the top).
     */
    private void hashLevel(long srcOffset, long srcBlocks, long leafEntries, long dstOffset, long dstBlocks,
            ByteBuffer in, ByteBuffer out) throws IOException {
        out.clear();
        long dstPosition = dstOffset;
        byte[] blockDigest = new byte[DIGEST_SIZE];
        for (long first = 0; first < srcBlocks; first += CHUNK_BLOCKS) {
            int blocks = (int) Math.min(CHUNK_BLOCKS, srcBlocks - first);
            long chunkOffset = srcOffset + first * BLOCK_SIZE;
            in.clear().limit(blocks * BLOCK_SIZE);
            readFully(in, chunkOffset, true);
            if (leafEntries >= 0) {
                boolean changed = fillHoles(in, first * VerityHashLayout.HASHES_PER_BLOCK, leafEntries);
                // Also write chunks the file does not reach yet, so the padding exists for the copy-out.
                if (changed || chunkOffset + in.limit() > leaves.fileEnd()) {
                    writeFully(in.duplicate().position(0), chunkOffset);
                }
            }
            if (dstOffset < 0) {
                continue;
            }
            for (int b = 0; b < blocks; b++) {
                hashBlock(in.duplicate().position(b * BLOCK_SIZE).limit((b + 1) * BLOCK_SIZE), blockDigest);
                out.put(blockDigest);
                if (!out.hasRemaining()) {
                    writeFully(out.flip(), dstPosition);
                    dstPosition += out.limit();
                    out.clear();
                }
            }
        }
        if (dstOffset < 0) {
            return;
        }
        // Zero-pad the next level up to whole hash blocks.
        long padding = dstOffset + dstBlocks * BLOCK_SIZE - dstPosition - out.position();
        while (padding > 0) {
            int n = (int) Math.min(out.remaining(), padding);
            Arrays.fill(out.array(), out.position(), out.position() + n, (byte) 0);
            out.position(out.position() + n);
            padding -= n;
            if (!out.hasRemaining()) {
                writeFully(out.flip(), dstPosition);
                dstPosition += out.limit();
                out.clear();
            }
        }
        if (out.position() > 0) {
            writeFully(out.flip(), dstPosition);
        }
    }

    /** Replaces all-zero digest slots with indices in {@code [firstEntry, leafEntries)}; true if any was. */
    private boolean fillHoles(ByteBuffer chunk, long firstEntry, long leafEntries) {
        byte[] array = chunk.array();
        int entries = chunk.limit() / DIGEST_SIZE;
        boolean changed = false;
        for (int e = 0; e < entries && firstEntry + e < leafEntries; e++) {
            int at = e * DIGEST_SIZE;
            if (isZero(array, at, DIGEST_SIZE)) {
                System.arraycopy(zeroBlockDigest, 0, array, at, DIGEST_SIZE);
                changed = true;
            }
        }
        return changed;
    }

    private void hashBlock(ByteBuffer block, byte[] into) {
        sha256.reset();
        sha256.update(salt);
        sha256.update(block);
        try {
            sha256.digest(into, 0, DIGEST_SIZE);
        } catch (java.security.DigestException e) {
            // Cannot happen: the output array is always DIGEST_SIZE bytes.
            throw new IllegalStateException(e);
        }
    }

    /** Fills {@code buffer} from {@code position}; past end of file reads as zeros only if allowed. */
    private ByteBuffer readFully(ByteBuffer buffer, long position, boolean zeroPastEnd) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            int n = scratch.read(buffer, position + buffer.position() - start);
            if (n < 0) {
                if (!zeroPastEnd) {
                    throw new EOFException("verity scratch file ends at " + (position + buffer.position() - start));
                }
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 0);
                }
            }
        }
        return buffer;
    }

    private void writeFully(ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            scratch.write(buffer, position + buffer.position() - start);
        }
    }

    private static boolean isZero(byte[] a, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private void ensureWritable() {
        if (closed) {
            throw new IllegalStateException("verity tree builder is closed");
        }
        if (finished) {
            throw new IllegalStateException("verity tree builder is already finished");
        }
    }

    /** Deletes the scratch file unless {@link #finish} handed it to a {@link VerityTree}. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!finished) {
            scratch.close();
        }
    }
}
