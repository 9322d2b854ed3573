package io.layerd.lcow.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Extended attributes in ext4's on-disk form: entries in the inode's extra space, and an external
 * block for what does not fit there.
 *
 * <pre>
 * entry:  0 e_name_len u8 | 1 e_name_index u8 | 2 e_value_offs u16 | 4 e_value_inum u32
 *         8 e_value_size u32 | 12 e_hash u32 | 16 e_name[e_name_len], padded to 4 bytes
 * block:  0 h_magic | 4 h_refcount | 8 h_blocks | 12 h_hash | 16 h_checksum | 20 reserved[3],
 *         then entries; values grow down from the end of the block
 * inode:  at 128 + i_extra_isize: magic, then entries; value offsets count from the first entry
 * </pre>
 * Entries are sorted by (name index, name length, name) as the kernel's lookup expects.
 */
final class Xattrs {
    private Xattrs() {
    }

    /** One attribute split into ext4's prefix index and the rest of its name. */
    record Entry(int index, byte[] suffix, byte[] value) implements Comparable<Entry> {
        int entrySize() {
            return pad(Ext4.XATTR_ENTRY_HEADER_SIZE + suffix.length);
        }

        int valueSize() {
            return pad(value.length);
        }

        @Override
        public int compareTo(Entry o) {
            int c = Integer.compare(index, o.index);
            if (c == 0) {
                c = Integer.compare(suffix.length, o.suffix.length);
            }
            return c != 0 ? c : java.util.Arrays.compareUnsigned(suffix, o.suffix);
        }
    }

    // Longest prefixes first, so "system.posix_acl_access" wins over "system.".
    private static final String[][] PREFIXES = {
            {"system.posix_acl_default", "3"}, {"system.posix_acl_access", "2"}, {"system.richacl", "8"},
            {"security.", "6"}, {"trusted.", "4"}, {"system.", "7"}, {"user.", "1"}};

    static Entry entry(String name, byte[] value) {
        for (String[] p : PREFIXES) {
            if (name.startsWith(p[0])) {
                return new Entry(Integer.parseInt(p[1]), name.substring(p[0].length()).getBytes(StandardCharsets.UTF_8), value);
            }
        }
        return new Entry(0, name.getBytes(StandardCharsets.UTF_8), value);
    }

    static List<Entry> entries(Map<String, byte[]> xattrs) {
        List<Entry> out = new ArrayList<>();
        xattrs.forEach((k, v) -> out.add(entry(k, v)));
        out.sort(null);
        return out;
    }

    static int pad(int n) {
        return (n + 3) & ~3;
    }

    /** Bytes the entries need in a region: entry headers + names, the 4-byte terminator, values. */
    static int regionSize(List<Entry> entries) {
        int size = 4;
        for (Entry e : entries) {
            size += e.entrySize() + e.valueSize();
        }
        return size;
    }

    /**
     * Writes {@code entries} into {@code region} (position 0 = first entry). Values are placed from
     * the end of the region downwards; offsets count from {@code offsetBase} bytes before the
     * region start (0 for in-inode, 32 for a block whose header precedes the region).
     */
    static void writeRegion(ByteBuffer region, List<Entry> entries, int offsetBase, boolean withHashes) {
        ByteBuffer b = region.slice().order(ByteOrder.LITTLE_ENDIAN);
        int valueEnd = b.capacity();
        int pos = 0;
        for (Entry e : entries) {
            int valueOffset = 0;
            if (e.value.length > 0) {
                valueEnd -= e.valueSize();
                valueOffset = valueEnd;
                b.put(valueEnd, e.value);
            }
            b.put(pos, (byte) e.suffix.length);
            b.put(pos + 1, (byte) e.index);
            b.putShort(pos + 2, (short) (e.value.length > 0 ? valueOffset + offsetBase : 0));
            b.putInt(pos + 4, 0);
            b.putInt(pos + 8, e.value.length);
            b.putInt(pos + 12, withHashes ? entryHash(e) : 0);
            b.put(pos + 16, e.suffix);
            pos += e.entrySize();
        }
        b.putInt(pos, 0); // terminator
    }

    /** One external attribute block holding {@code entries}. */
    static ByteBuffer block(List<Entry> entries) {
        ByteBuffer b = ByteBuffer.allocate(Ext4.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, Ext4.XATTR_MAGIC);
        b.putInt(4, 1); // h_refcount
        b.putInt(8, 1); // h_blocks
        b.putInt(12, blockHash(entries));
        ByteBuffer region = b.slice(Ext4.XATTR_BLOCK_HEADER_SIZE, Ext4.BLOCK_SIZE - Ext4.XATTR_BLOCK_HEADER_SIZE);
        writeRegion(region, entries, Ext4.XATTR_BLOCK_HEADER_SIZE, true);
        return b;
    }

    /**
     * e2fsprogs' {@code ext2fs_ext_attr_hash_entry}: the name bytes as signed chars (as the
     * kernel computes it on x86), then the value as little-endian 32-bit words.
     */
    static int entryHash(Entry e) {
        int hash = 0;
        for (byte c : e.suffix) {
            hash = (hash << 5) ^ (hash >>> 27) ^ c;
        }
        if (e.value.length > 0) {
            // The value is hashed as whole 32-bit words, zero-padded like it is stored.
            ByteBuffer v = ByteBuffer.allocate(e.valueSize()).order(ByteOrder.LITTLE_ENDIAN);
            v.put(e.value).rewind();
            while (v.hasRemaining()) {
                hash = (hash << 16) ^ (hash >>> 16) ^ v.getInt();
            }
        }
        return hash;
    }

    private static int blockHash(List<Entry> entries) {
        int hash = 0;
        for (Entry e : entries) {
            int h = entryHash(e);
            if (h == 0) {
                return 0;
            }
            hash = (hash << 16) ^ (hash >>> 16) ^ h;
        }
        return hash;
    }
}
