package io.layerd.lcow.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The fields of the ext4 superblock that layerd's compact layout sets (at byte 1024 of block 0).
 * Everything not listed stays zero: no journal, no checksums, no backups (sparse_super2 with no
 * backup groups), one flex group spanning the image.
 */
record Superblock(long inodesCount, long blocksCount, long freeBlocks, long freeInodes, int inodesPerGroup,
                  int featureCompat, int featureIncompat, int featureRoCompat, byte[] uuid, int[] hashSeed) {

    static final int SIZE = 1024;

    void writeTo(ByteBuffer block0) {
        ByteBuffer b = block0.slice(Ext4.SUPERBLOCK_OFFSET, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, (int) inodesCount);
        b.putInt(0x04, (int) blocksCount);
        b.putInt(0x08, 0); // s_r_blocks_count_lo
        b.putInt(0x0C, (int) freeBlocks);
        b.putInt(0x10, (int) freeInodes);
        b.putInt(0x14, 0); // s_first_data_block: 0 for 4 KiB blocks
        b.putInt(0x18, Ext4.LOG_BLOCK_SIZE);
        b.putInt(0x1C, Ext4.LOG_BLOCK_SIZE); // s_log_cluster_size
        b.putInt(0x20, Ext4.BLOCKS_PER_GROUP);
        b.putInt(0x24, Ext4.BLOCKS_PER_GROUP); // s_clusters_per_group
        b.putInt(0x28, inodesPerGroup);
        b.putShort(0x36, (short) 0xFFFF); // s_max_mnt_count: -1, no forced checks
        b.putShort(0x38, (short) Ext4.MAGIC);
        b.putShort(0x3A, (short) 1); // s_state: cleanly unmounted
        b.putShort(0x3C, (short) 1); // s_errors: continue
        b.putInt(0x48, 0); // s_creator_os: Linux
        b.putInt(0x4C, 1); // s_rev_level: dynamic
        b.putInt(0x54, Ext4.FIRST_INODE);
        b.putShort(0x58, (short) Ext4.INODE_SIZE);
        b.putInt(0x5C, featureCompat);
        b.putInt(0x60, featureIncompat);
        b.putInt(0x64, featureRoCompat);
        b.put(0x68, uuid);
        for (int i = 0; i < 4; i++) {
            b.putInt(0xEC + 4 * i, hashSeed[i]);
        }
        b.put(0xFC, (byte) DirectoryBlocks.STORED_HASH_VERSION); // s_def_hash_version
        b.putShort(0x15C, (short) Ext4.EXTRA_ISIZE); // s_min_extra_isize
        b.putShort(0x15E, (short) Ext4.EXTRA_ISIZE); // s_want_extra_isize
        b.putInt(0x160, Ext4.FLAGS_UNSIGNED_HASH);
        b.put(0x174, (byte) 31); // s_log_groups_per_flex: one flex group for everything
    }
}
