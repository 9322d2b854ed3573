package io.layerd.lcow.ext4;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One inode while the image is being built. Link counts are not tracked here: they are derived
 * from the directory tree at close, so replaced entries can never leave a wrong count behind.
 *
 * <pre>
 * inode (256 bytes, little-endian)
 *   0 i_mode u16 | 2 i_uid u16 | 4 i_size_lo | 8 i_atime | 12 i_ctime | 16 i_mtime | 20 i_dtime
 *  24 i_gid u16 | 26 i_links_count u16 | 28 i_blocks_lo | 32 i_flags | 36 l_i_version
 *  40 i_block[60] | 100 i_generation | 104 i_file_acl_lo | 108 i_size_high | 112 i_obso_faddr
 * 116 l_i_blocks_high u16 | 118 l_i_file_acl_high u16 | 120 l_i_uid_high u16 | 122 l_i_gid_high u16
 * 124 l_i_checksum_lo u16 | 126 reserved u16 | 128 i_extra_isize u16 | 130 i_checksum_hi u16
 * 132 i_ctime_extra | 136 i_mtime_extra | 140 i_atime_extra | 144 i_crtime | 148 i_crtime_extra
 * 152 i_version_hi | 156 i_projid | 160 in-inode extended attributes (magic, entries, values)
 * </pre>
 */
final class Node {
    final int number;
    int mode;
    Metadata meta;
    /** Extended attributes, by full name; sorted for determinism. Null while there are none (most inodes). */
    private TreeMap<String, byte[]> xattrs;

    // regular files and slow symlinks
    long size;
    ExtentList extents = new ExtentList();
    int treeBlocks;
    long[] treeBlockNumbers;
    byte[] iBlock;
    /** Inline data (INLINE_DATA feature), or a fast symlink's target. */
    byte[] inline;

    // devices
    int major;
    int minor;

    // directories
    Node parent;
    Map<String, Node> children;
    int subdirectories;

    /** External xattr block (0: none), set at close. */
    long xattrBlock;
    int links;

    Node(int number, int mode, Metadata meta) {
        this.number = number;
        this.mode = mode;
        this.meta = meta;
        xattrs = meta.xattrs().isEmpty() ? null : new TreeMap<>(meta.xattrs());
        if (isDirectory()) {
            children = new LinkedHashMap<>();
        }
    }

    boolean isDirectory() {
        return (mode & Ext4.S_IFMT) == Ext4.S_IFDIR;
    }

    boolean isRegular() {
        return (mode & Ext4.S_IFMT) == Ext4.S_IFREG;
    }

    boolean isSymlink() {
        return (mode & Ext4.S_IFMT) == Ext4.S_IFLNK;
    }

    boolean isDevice() {
        int t = mode & Ext4.S_IFMT;
        return t == Ext4.S_IFCHR || t == Ext4.S_IFBLK;
    }

    /** Replaces ownership, permissions, times and attributes, keeping the type. */
    void update(Metadata m) {
        meta = m;
        mode = (mode & Ext4.S_IFMT) | m.permissions();
        xattrs = m.xattrs().isEmpty() ? null : new TreeMap<>(m.xattrs());
    }

    /** Sets (or replaces) one extended attribute. */
    void setXattr(String name, byte[] value) {
        if (xattrs == null) {
            xattrs = new TreeMap<>();
        }
        xattrs.put(name, value);
    }

    /** Whether data lives in extents (regular files with blocks, slow symlinks, directories). */
    boolean usesExtents() {
        return iBlock != null;
    }

    /** Attribute entries that stay in the inode (always system.data for inline data). */
    List<Xattrs.Entry> inodeXattrs;
    /** Attribute entries that go to the external block. */
    List<Xattrs.Entry> blockXattrs = List.of();

    /** Space for the attribute region in the inode: after the extra fields and the 4-byte magic. */
    static final int INODE_XATTR_SPACE = Ext4.INODE_SIZE - 128 - Ext4.EXTRA_ISIZE - 4;

    /** Whether there are attributes to place: extended attributes, or inline data's system.data. */
    boolean hasAttributeData() {
        return xattrs != null || (inline != null && isRegular());
    }

    /** Splits attributes between the inode and an external block; false if even a block cannot hold the rest. */
    boolean placeXattrs() {
        if (!hasAttributeData()) { // most inodes: nothing to place
            inodeXattrs = List.of();
            blockXattrs = List.of();
            return true;
        }
        List<Xattrs.Entry> all = xattrs == null ? List.of() : Xattrs.entries(xattrs);
        List<Xattrs.Entry> inInode = new ArrayList<>();
        List<Xattrs.Entry> inBlock = new ArrayList<>();
        if (inline != null && isRegular()) { // inline data: its system.data entry comes first
            inInode.add(Xattrs.entry("system.data", new byte[0]));
        }
        for (Xattrs.Entry e : all) {
            List<Xattrs.Entry> candidate = new ArrayList<>(inInode);
            candidate.add(e);
            if (inBlock.isEmpty() && Xattrs.regionSize(candidate) <= INODE_XATTR_SPACE) {
                inInode.add(e);
            } else {
                inBlock.add(e);
            }
        }
        inodeXattrs = inInode;
        blockXattrs = inBlock;
        return inBlock.isEmpty() || Xattrs.regionSize(inBlock) <= Ext4.BLOCK_SIZE - Ext4.XATTR_BLOCK_HEADER_SIZE;
    }

    /** Blocks this inode owns, in 4 KiB units (HUGE_FILE_FL is set on every inode). */
    long ownedBlocks() {
        return extents.blocks() + treeBlocks + (xattrBlock != 0 ? 1 : 0);
    }

    /** Writes the 256-byte inode into {@code b} at {@code at}, over zeros. */
    void serialize(byte[] b, int at) {
        long uid = meta.uid();
        long gid = meta.gid();
        int flags = Ext4.HUGE_FILE_FL;
        LittleEndian.putShort(b, at, mode);
        LittleEndian.putShort(b, at + 2, (int) uid);
        LittleEndian.putInt(b, at + 4, (int) size);
        LittleEndian.putInt(b, at + 8, meta.atime().low());
        LittleEndian.putInt(b, at + 12, meta.ctime().low());
        LittleEndian.putInt(b, at + 16, meta.mtime().low());
        LittleEndian.putShort(b, at + 24, (int) gid);
        LittleEndian.putShort(b, at + 26, links);
        long blocks = ownedBlocks();
        LittleEndian.putInt(b, at + 28, (int) blocks);
        if (usesExtents()) {
            flags |= Ext4.EXTENTS_FL;
            System.arraycopy(iBlock, 0, b, at + 40, iBlock.length);
        } else if (inline != null) {
            if (isRegular()) {
                flags |= Ext4.INLINE_DATA_FL;
            }
            System.arraycopy(inline, 0, b, at + 40, inline.length);
        } else if (isDevice()) {
            if (major < 256 && minor < 256) {
                LittleEndian.putInt(b, at + 40, (major << 8) | minor); // old encoding
            } else {
                LittleEndian.putInt(b, at + 44, (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12));
            }
        }
        if (isDirectory() && children != null && children.size() > 0 && indexed) {
            flags |= Ext4.INDEX_FL;
        }
        LittleEndian.putInt(b, at + 32, flags);
        LittleEndian.putInt(b, at + 104, (int) xattrBlock);
        LittleEndian.putInt(b, at + 108, (int) (size >>> 32));
        LittleEndian.putShort(b, at + 116, (int) (blocks >>> 32));
        LittleEndian.putShort(b, at + 118, (int) (xattrBlock >>> 32));
        LittleEndian.putShort(b, at + 120, (int) (uid >>> 16));
        LittleEndian.putShort(b, at + 122, (int) (gid >>> 16));
        LittleEndian.putShort(b, at + 128, Ext4.EXTRA_ISIZE);
        LittleEndian.putInt(b, at + 132, meta.ctime().extra());
        LittleEndian.putInt(b, at + 136, meta.mtime().extra());
        LittleEndian.putInt(b, at + 140, meta.atime().extra());
        LittleEndian.putInt(b, at + 144, meta.crtime().low());
        LittleEndian.putInt(b, at + 148, meta.crtime().extra());
        if (inodeXattrs != null && !inodeXattrs.isEmpty()) {
            int start = at + 128 + Ext4.EXTRA_ISIZE;
            LittleEndian.putInt(b, start, Ext4.XATTR_MAGIC);
            Xattrs.writeRegion(ByteBuffer.wrap(b, start + 4, INODE_XATTR_SPACE).slice(), inodeXattrs, 0, false);
        }
    }

    /** Set at close for directories laid out as an htree. */
    boolean indexed;
}
