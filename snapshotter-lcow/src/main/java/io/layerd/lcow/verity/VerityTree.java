package io.layerd.lcow.verity;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.HexFormat;

/**
 * A finished dm-verity hash tree, produced by {@link VerityTreeBuilder#finish}: the root hash plus the
 * appendix hcsshim places after the ext4 image,
 * {@code [superblock padded to 4096][hash blocks, root-most level first, leaves last]}.
 *
 * <p>The hash blocks live in the builder's scratch file until {@link #close()}, which deletes it.
 * Writing the appendix streams them through a 256 KiB buffer.
 *
 * <p>When the appendix is written at byte offset {@code dataBlocks * 4096} of the image, veritysetup
 * takes {@code --hash-offset=<that offset>} and reads this superblock there; the kernel table's
 * {@code hash_start} is {@code dataBlocks + 1} (one block for the superblock).
 *
 * <p>Not thread-safe: do not call the {@code writeTo} methods concurrently.
 */
public final class VerityTree implements AutoCloseable {

    /**
     * Bytes the superblock takes in the appendix: its {@link VeritySuperblock#SIZE} of 512 rounded up to
     * one hash block, because cryptsetup places the tree at {@code roundup(offset + 512, 4096)}.
     */
    public static final int SUPERBLOCK_AREA_SIZE = VerityHashLayout.BLOCK_SIZE;

    /** Copy buffer for the tree: 64 blocks = 256 KiB. */
    private static final int COPY_BUFFER_SIZE = 64 * VerityHashLayout.BLOCK_SIZE;

    private final VeritySuperblock superblock;
    private final VerityHashLayout layout;
    private final byte[] rootHash;
    /** Scratch file with the levels stored bottom-up; null when the tree has no hash blocks. */
    private final FileChannel scratch;
    private final long[] scratchOffsets;

    VerityTree(VeritySuperblock superblock, VerityHashLayout layout, byte[] rootHash, FileChannel scratch,
            long[] scratchOffsets) {
        this.superblock = superblock;
        this.layout = layout;
        this.rootHash = rootHash;
        this.scratch = scratch;
        this.scratchOffsets = scratchOffsets;
    }

    public VeritySuperblock superblock() {
        return superblock;
    }

    public VerityHashLayout layout() {
        return layout;
    }

    public long dataBlocks() {
        return layout.dataBlocks();
    }

    /** The 32-byte root hash: SHA256(salt || top hash block), or of the only data block if there is one. */
    public byte[] rootHash() {
        return rootHash.clone();
    }

    /** Root hash as lowercase hex, as veritysetup prints and takes it. */
    public String rootHashHex() {
        return HexFormat.of().formatHex(rootHash);
    }

    /** Bytes of hash blocks, excluding the superblock. */
    public long treeSize() {
        return layout.treeSize();
    }

    /** Bytes {@code writeTo} produces: the superblock block plus the tree. */
    public long appendixSize() {
        return SUPERBLOCK_AREA_SIZE + layout.treeSize();
    }

    /**
     * Writes the appendix at {@code position} of {@code out} with positional writes; the channel's own
     * position is left alone.
     *
     * @return bytes written, always {@link #appendixSize()}
     */
    public long writeTo(FileChannel out, long position) throws IOException {
        long[] at = {position};
        return write(buffer -> {
            while (buffer.hasRemaining()) {
                at[0] += out.write(buffer, at[0]);
            }
        });
    }

    /**
     * Writes the appendix at the current position of {@code out}.
     *
     * @return bytes written, always {@link #appendixSize()}
     */
    public long writeTo(WritableByteChannel out) throws IOException {
        return write(buffer -> {
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        });
    }

    private long write(Sink sink) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER_SIZE);
        superblock.writeTo(buffer);
        // The rest of the superblock's hash block is zero (fresh buffer).
        buffer.position(SUPERBLOCK_AREA_SIZE).flip();
        sink.write(buffer);
        long written = SUPERBLOCK_AREA_SIZE;
        for (int level = layout.levels() - 1; level >= 0; level--) {
            long from = scratchOffsets[level];
            long end = from + layout.levelBlocks(level) * VerityHashLayout.BLOCK_SIZE;
            while (from < end) {
                buffer.clear().limit((int) Math.min(COPY_BUFFER_SIZE, end - from));
                while (buffer.hasRemaining()) {
                    int n = scratch.read(buffer, from + buffer.position());
                    if (n < 0) {
                        throw new EOFException("verity scratch file ends before level " + level + " does");
                    }
                }
                buffer.flip();
                sink.write(buffer);
                from += buffer.limit();
                written += buffer.limit();
            }
        }
        return written;
    }

    /** Deletes the scratch file. Idempotent. */
    @Override
    public void close() throws IOException {
        if (scratch != null) {
            scratch.close();
        }
    }

    @FunctionalInterface
    private interface Sink {
        void write(ByteBuffer buffer) throws IOException;
    }
}
