package io.layerd.lcow.ext4;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One child of a directory: its raw name bytes, inode number and ext4 dirent file type.
 *
 * <p>The name is bytes, not a {@code String}, because ext4 names are arbitrary byte strings
 * (tar layers carry whatever their creator wrote) and the directory hash runs over those exact
 * bytes. The array is copied in and out, so an instance is immutable; equality is by content.
 *
 * <p>{@code fileType} is the {@code ext4_dir_entry_2.file_type} code (needs the {@code filetype}
 * incompat feature, which every ext4 has): {@link #FT_REG_FILE} .. {@link #FT_SYMLINK}.
 * {@code inode} is an unsigned 32-bit inode number; 0 marks an unused slot on disk, so it is
 * rejected here.
 *
 * <p>"." and ".." are valid dirents and therefore valid values; {@link DirectoryBlocks} writes
 * them itself and rejects them as children.
 */
public record DirEntry(byte[] name, int inode, int fileType) {
    /** {@code EXT4_NAME_LEN}: {@code name_len} is a single byte. */
    public static final int MAX_NAME_LENGTH = 255;

    public static final int FT_REG_FILE = 1;
    public static final int FT_DIR = 2;
    public static final int FT_CHRDEV = 3;
    public static final int FT_BLKDEV = 4;
    public static final int FT_FIFO = 5;
    public static final int FT_SOCK = 6;
    public static final int FT_SYMLINK = 7;

    public DirEntry {
        Objects.requireNonNull(name, "name");
        if (name.length == 0 || name.length > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("directory entry name must be 1.." + MAX_NAME_LENGTH
                    + " bytes, got " + name.length);
        }
        for (byte b : name) {
            // '/' separates path components and NUL terminates C strings; e2fsck rewrites both.
            if (b == '/' || b == 0) {
                throw new IllegalArgumentException("directory entry name contains '/' or NUL: " + describe(name));
            }
        }
        if (inode == 0) {
            throw new IllegalArgumentException("inode 0 marks an unused dirent; " + describe(name) + " needs a real inode");
        }
        if (fileType < FT_REG_FILE || fileType > FT_SYMLINK) {
            throw new IllegalArgumentException("file type must be " + FT_REG_FILE + ".." + FT_SYMLINK + ", got " + fileType);
        }
        name = name.clone();
    }

    /** Convenience: a child whose name is the UTF-8 encoding of {@code name}. */
    public static DirEntry of(String name, int inode, int fileType) {
        return new DirEntry(name.getBytes(StandardCharsets.UTF_8), inode, fileType);
    }

    /** A copy of the name bytes. */
    @Override
    public byte[] name() {
        return name.clone();
    }

    /** The name's length in bytes (1..255), without copying it. */
    public int nameLength() {
        return name.length;
    }

    /** The name array itself, for the writers in this package; callers must not modify it. */
    byte[] nameBytes() {
        return name;
    }

    /** True for the names "." and "..", which only the directory itself may write. */
    boolean isDotOrDotDot() {
        return name[0] == '.' && (name.length == 1 || (name.length == 2 && name[1] == '.'));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry e && inode == e.inode && fileType == e.fileType && Arrays.equals(name, e.name);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(name) * 31 + inode) * 31 + fileType;
    }

    @Override
    public String toString() {
        return "DirEntry[name=" + describe(name) + ", inode=" + Integer.toUnsignedString(inode)
                + ", fileType=" + fileType + "]";
    }

    private static String describe(byte[] name) {
        for (byte b : name) {
            if (b < 0x20 || b == 0x7f) {
                return "0x" + HexFormat.of().formatHex(name);
            }
        }
        // Printable ASCII or UTF-8 is shown as text; anything undecodable becomes U+FFFD, which
        // is fine for a message.
        return '"' + new String(name, StandardCharsets.UTF_8) + '"';
    }
}
