package io.layerd.core.tar;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One tar entry with every header extension applied (PAX, GNU long names, sparse maps).
 *
 * @param name         path as stored (not normalised)
 * @param size         logical size of a regular file (for sparse files, the real size)
 * @param storedSize   bytes of data that follow the header (for sparse files, the data segments)
 * @param sparse       data segments of a sparse file, ascending; null for ordinary entries
 * @param pax          every PAX record that applied to the entry, raw values (for extensions
 *                     such as {@code MSWINDOWS.*} that other readers need)
 * @param xattrs       extended attributes from {@code SCHILY.xattr.*} and {@code LIBARCHIVE.xattr.*}
 */
public record TarEntry(String name, Type type, long size, long storedSize, int mode, long uid, long gid,
                       Instant mtime, Instant atime, Instant ctime, String linkName, int devMajor, int devMinor,
                       Map<String, byte[]> xattrs, Map<String, byte[]> pax, List<SparseRegion> sparse) {

    /** Entry types layerd handles; others are reported as {@link #OTHER} with their type flag in pax. */
    public enum Type { FILE, HARD_LINK, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, DIRECTORY, FIFO, OTHER }

    /** One run of real data in a sparse file. */
    public record SparseRegion(long offset, long length) {
    }

    public boolean isSparse() {
        return sparse != null;
    }

    /** A PAX record's value as text, or null. */
    public String paxText(String key) {
        byte[] v = pax.get(key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }
}
