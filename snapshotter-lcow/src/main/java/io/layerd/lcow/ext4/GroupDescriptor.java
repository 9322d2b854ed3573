package io.layerd.lcow.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A 32-byte block group descriptor (no 64bit feature, no checksums):
 * 0 bg_block_bitmap | 4 bg_inode_bitmap | 8 bg_inode_table | 12 bg_free_blocks_count u16 |
 * 14 bg_free_inodes_count u16 | 16 bg_used_dirs_count u16 | 18 bg_flags u16 | 20.. zero.
 */
record GroupDescriptor(long blockBitmap, long inodeBitmap, long inodeTable, int freeBlocks, int freeInodes, int usedDirs) {
    static final int SIZE = Ext4.GROUP_DESCRIPTOR_SIZE;

    void writeTo(ByteBuffer table, int index) {
        ByteBuffer b = table.slice(index * SIZE, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, (int) blockBitmap);
        b.putInt(4, (int) inodeBitmap);
        b.putInt(8, (int) inodeTable);
        b.putShort(12, (short) freeBlocks);
        b.putShort(14, (short) freeInodes);
        b.putShort(16, (short) usedDirs);
    }
}
