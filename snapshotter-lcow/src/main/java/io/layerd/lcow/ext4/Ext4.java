package io.layerd.lcow.ext4;

/**
 * Constants of the ext4 on-disk format used by layerd's compact read-only layout (see the kernel's
 * Documentation/filesystems/ext4). Sizes show their derivation.
 */
final class Ext4 {
    private Ext4() {
    }

    static final int BLOCK_SIZE = 4096;
    static final int LOG_BLOCK_SIZE = 2; // 1024 << 2
    static final int INODE_SIZE = 256;
    /** i_extra_isize: the fields up to and including i_projid (offset 156 + 4 - 128). */
    static final int EXTRA_ISIZE = 32;
    static final int INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE; // 16
    /** One block bitmap block describes this many blocks. */
    static final int BLOCKS_PER_GROUP = BLOCK_SIZE * 8; // 32768
    static final int MAX_INODES_PER_GROUP = BLOCK_SIZE * 8; // one inode bitmap block
    static final int GROUP_DESCRIPTOR_SIZE = 32; // no 64bit feature
    static final int DESCRIPTORS_PER_BLOCK = BLOCK_SIZE / GROUP_DESCRIPTOR_SIZE; // 128
    static final int SUPERBLOCK_OFFSET = 1024;
    static final int MAGIC = 0xEF53;

    static final int ROOT_INODE = 2;
    static final int FIRST_INODE = 11; // lost+found; the first non-reserved inode
    static final int LOST_AND_FOUND_INODE = 11;

    /** The link count a file may reach; directories beyond it use 1 (dir_nlink). */
    static final int MAX_LINKS = 65000;
    static final int MAX_NAME_LENGTH = 255;
    /** i_block holds 60 bytes: a fast symlink's target must leave room for its NUL. */
    static final int I_BLOCK_SIZE = 60;
    static final int MAX_FAST_SYMLINK = I_BLOCK_SIZE - 1;

    // s_feature_compat
    static final int COMPAT_EXT_ATTR = 0x8;
    static final int COMPAT_DIR_INDEX = 0x20;
    static final int COMPAT_SPARSE_SUPER2 = 0x200;
    // s_feature_incompat
    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_EXTENTS = 0x40;
    static final int INCOMPAT_FLEX_BG = 0x200;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    // s_feature_ro_compat
    static final int RO_COMPAT_LARGE_FILE = 0x2;
    static final int RO_COMPAT_HUGE_FILE = 0x8;
    static final int RO_COMPAT_DIR_NLINK = 0x20;
    static final int RO_COMPAT_EXTRA_ISIZE = 0x40;
    static final int RO_COMPAT_READONLY = 0x1000;

    /** s_flags: directory hashes treat name bytes as unsigned. */
    static final int FLAGS_UNSIGNED_HASH = 0x2;

    // i_flags
    static final int INDEX_FL = 0x1000;
    static final int HUGE_FILE_FL = 0x40000;
    static final int EXTENTS_FL = 0x80000;
    static final int INLINE_DATA_FL = 0x10000000;

    // i_mode file types
    static final int S_IFIFO = 0x1000;
    static final int S_IFCHR = 0x2000;
    static final int S_IFDIR = 0x4000;
    static final int S_IFBLK = 0x6000;
    static final int S_IFREG = 0x8000;
    static final int S_IFLNK = 0xA000;
    static final int S_IFSOCK = 0xC000;
    static final int S_IFMT = 0xF000;

    /** Directory entry file_type codes (FILETYPE feature). */
    static int direntType(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG -> 1;
            case S_IFDIR -> 2;
            case S_IFCHR -> 3;
            case S_IFBLK -> 4;
            case S_IFIFO -> 5;
            case S_IFSOCK -> 6;
            case S_IFLNK -> 7;
            default -> 0;
        };
    }

    // extents
    static final int EXTENT_MAGIC = 0xF30A;
    static final int EXTENT_ENTRY_SIZE = 12; // header, extent and index entries are all 12 bytes
    static final int EXTENTS_IN_INODE = I_BLOCK_SIZE / EXTENT_ENTRY_SIZE - 1; // 4
    static final int EXTENTS_PER_BLOCK = BLOCK_SIZE / EXTENT_ENTRY_SIZE - 1; // 340
    /** The longest initialized extent: ee_len is 15 bits, the top bit marks uninitialized. */
    static final int MAX_EXTENT_BLOCKS = 32768;

    // extended attributes
    static final int XATTR_MAGIC = 0xEA020000;
    static final int XATTR_BLOCK_HEADER_SIZE = 32;
    static final int XATTR_ENTRY_HEADER_SIZE = 16;
}
