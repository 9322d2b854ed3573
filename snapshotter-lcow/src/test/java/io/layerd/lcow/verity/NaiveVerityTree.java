package io.layerd.lcow.verity;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Straightforward in-memory dm-verity tree (format 1, SHA-256, 4 KiB blocks), written independently of
 * the production code as a second oracle that needs no veritysetup: hash every block, pad each level to
 * whole blocks, repeat until one block remains, emit root-most level first.
 */
final class NaiveVerityTree {

    final byte[] rootHash;
    /** Hash blocks, root-most level first. */
    final byte[] tree;

    private NaiveVerityTree(byte[] rootHash, byte[] tree) {
        this.rootHash = rootHash;
        this.tree = tree;
    }

    static NaiveVerityTree compute(long dataBlocks, byte[] salt, LongFunction<byte[]> block) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        if (dataBlocks == 1) {
            // The kernel needs no hash block for one data block: the root is the block's own digest.
            sha.update(salt);
            sha.update(block.apply(0));
            return new NaiveVerityTree(sha.digest(), new byte[0]);
        }
        List<byte[]> levels = new ArrayList<>();
        ByteArrayOutputStream level = new ByteArrayOutputStream();
        for (long i = 0; i < dataBlocks; i++) {
            sha.update(salt);
            sha.update(block.apply(i));
            level.write(sha.digest());
        }
        byte[] current = padToBlock(level.toByteArray());
        levels.add(current);
        while (current.length > 4096) {
            level.reset();
            for (int off = 0; off < current.length; off += 4096) {
                sha.update(salt);
                sha.update(current, off, 4096);
                level.write(sha.digest());
            }
            current = padToBlock(level.toByteArray());
            levels.add(current);
        }
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        for (int i = levels.size() - 1; i >= 0; i--) {
            tree.write(levels.get(i));
        }
        sha.update(salt);
        sha.update(current);
        return new NaiveVerityTree(sha.digest(), tree.toByteArray());
    }

    private static byte[] padToBlock(byte[] bytes) {
        int padded = (bytes.length + 4095) / 4096 * 4096;
        return java.util.Arrays.copyOf(bytes, padded);
    }
}
