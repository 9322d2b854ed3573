package io.layerd.lcow.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * On-disk layout of ext4 directory blocks (Documentation/filesystems/ext4/directory.rst), for
 * 4 KiB blocks without {@code metadata_csum} (so no {@code ext4_dir_entry_tail} and no
 * {@code dx_tail}). All multi-byte fields are little-endian.
 */
final class DirBlockFormat {
    /** The only block size this writer produces. rec_len 4096 still fits its 16 bits. */
    static final int BLOCK_SIZE = 4096;

    // ---- ext4_dir_entry_2 ----
    /** {@code __le32 inode}: 0 means the slot is unused. */
    static final int DIRENT_INODE = 0;
    /** {@code __le16 rec_len}: distance to the next dirent; the last one reaches the block end. */
    static final int DIRENT_REC_LEN = 4;
    /** {@code __u8 name_len}. */
    static final int DIRENT_NAME_LEN = 6;
    /** {@code __u8 file_type} (the {@code filetype} feature turned name_len's high byte into this). */
    static final int DIRENT_FILE_TYPE = 7;
    /** Header size = inode 4 + rec_len 2 + name_len 1 + file_type 1 = 8; the name follows. */
    static final int DIRENT_HEADER_SIZE = 4 + 2 + 1 + 1;
    /** Dirents start on 4-byte boundaries ({@code EXT4_DIR_ROUND} = 3), so rec_len is a multiple of 4. */
    static final int DIRENT_ALIGN = 4;

    /** {@code EXT4_DIR_REC_LEN}: the smallest rec_len holding a name of {@code nameLen} bytes. */
    static int recLen(int nameLen) {
        return (DIRENT_HEADER_SIZE + nameLen + DIRENT_ALIGN - 1) & -DIRENT_ALIGN;
    }

    /** "." = 8 + 1 rounded up = 12. */
    static final int DOT_REC_LEN = recLen(1);
    /** ".." = 8 + 2 rounded up = 12. */
    static final int DOTDOT_REC_LEN = recLen(2);

    // ---- dx_root: "." and ".." dirents, then dx_root_info inside ".."'s rec_len slack ----
    /** dx_root_info sits right after the 12-byte bodies of "." and "..": 12 + 12 = 24. */
    static final int DX_ROOT_INFO = DOT_REC_LEN + DOTDOT_REC_LEN;
    /** {@code __le32 reserved_zero}. */
    static final int DX_ROOT_RESERVED_ZERO = DX_ROOT_INFO;
    /** {@code __u8 hash_version}: 0..2 (the unsigned variants are implied by s_flags). */
    static final int DX_ROOT_HASH_VERSION = DX_ROOT_INFO + 4;
    /** {@code __u8 info_length}: always 8, the size of dx_root_info. */
    static final int DX_ROOT_INFO_LENGTH = DX_ROOT_INFO + 5;
    /** {@code __u8 indirect_levels}: number of dx_node levels below the root. */
    static final int DX_ROOT_INDIRECT_LEVELS = DX_ROOT_INFO + 6;
    /** {@code __u8 unused_flags}. */
    static final int DX_ROOT_UNUSED_FLAGS = DX_ROOT_INFO + 7;
    /** dx_root_info size = reserved_zero 4 + hash_version 1 + info_length 1 + levels 1 + flags 1 = 8. */
    static final int DX_ROOT_INFO_SIZE = 4 + 1 + 1 + 1 + 1;
    /** The root's dx_countlimit / dx_entry array: 24 + 8 = 32. */
    static final int DX_ROOT_ENTRIES = DX_ROOT_INFO + DX_ROOT_INFO_SIZE;

    // ---- dx_node: one empty dirent spanning the block (so linear readers skip it), then entries ----
    /** The fake dirent has no name, so the entries follow its 8-byte header. */
    static final int DX_NODE_ENTRIES = DIRENT_HEADER_SIZE;

    // ---- dx_entry {__le32 hash; __le32 block;}; entry 0's hash slot holds dx_countlimit ----
    /** hash 4 + block 4 = 8. */
    static final int DX_ENTRY_SIZE = 4 + 4;
    /** {@code dx_countlimit.limit} (__le16) overlays entry 0's hash, first half. */
    static final int DX_LIMIT = 0;
    /** {@code dx_countlimit.count} (__le16), second half. */
    static final int DX_COUNT = 2;
    /** {@code dx_entry.hash}; bit 0 = "continues the previous block's hash run". */
    static final int DX_HASH = 0;
    /** {@code dx_entry.block}: logical block number within the directory. */
    static final int DX_BLOCK = 4;
    /** (4096 - 32) / 8 = 508 entries fit in the root. */
    static final int DX_ROOT_LIMIT = (BLOCK_SIZE - DX_ROOT_ENTRIES) / DX_ENTRY_SIZE;
    /** (4096 - 8) / 8 = 511 entries fit in a node. */
    static final int DX_NODE_LIMIT = (BLOCK_SIZE - DX_NODE_ENTRIES) / DX_ENTRY_SIZE;
    /**
     * Without the {@code largedir} feature the kernel accepts indirect_levels 0 or 1 (root plus
     * at most one dx_node level, {@code EXT4_HTREE_LEVEL_COMPAT} = 2).
     */
    static final int MAX_INDIRECT_LEVELS = 1;
    /** Low bit of a dx_entry hash: the leaf starts with the same major hash the previous one ends with. */
    static final int DX_HASH_CONTINUED = 1;

    private DirBlockFormat() {
    }

    static ByteBuffer newBlock() {
        return ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes one dirent at {@code offset}; the padding after the name stays zero. */
    static void putDirent(ByteBuffer block, int offset, int inode, int recLen, byte[] name, int fileType) {
        block.putInt(offset + DIRENT_INODE, inode);
        block.putShort(offset + DIRENT_REC_LEN, (short) recLen);
        block.put(offset + DIRENT_NAME_LEN, (byte) name.length);
        block.put(offset + DIRENT_FILE_TYPE, (byte) fileType);
        block.put(offset + DIRENT_HEADER_SIZE, name);
    }

    /**
     * Writes a dx_countlimit plus {@code count} dx_entries at {@code offset}. Entry 0 has no hash
     * of its own (its slot is the countlimit): it covers everything below entry 1's hash.
     */
    static void putDxEntries(ByteBuffer block, int offset, int limit, int[] hashes, int[] blocks, int from, int count) {
        block.putShort(offset + DX_LIMIT, (short) limit);
        block.putShort(offset + DX_COUNT, (short) count);
        block.putInt(offset + DX_BLOCK, blocks[from]);
        for (int i = 1; i < count; i++) {
            int at = offset + i * DX_ENTRY_SIZE;
            block.putInt(at + DX_HASH, hashes[from + i]);
            block.putInt(at + DX_BLOCK, blocks[from + i]);
        }
    }
}
