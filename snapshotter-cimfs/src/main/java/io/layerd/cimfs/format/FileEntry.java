package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One file of a CIM (format 2.0, 96 bytes): flags, the four times (FILETIME), the default stream
 * (the data, or for a directory its link table of file ids), and where its shared security
 * descriptor, extended attributes, reparse data and alternate-stream table are. There is no link
 * count: a hard link is the same id in several directories.
 *
 * <p>Only five Win32 attributes are stored (see {@link #flagsOf}); DIRECTORY follows from the
 * default stream's type and REPARSE_POINT from a reparse offset.
 */
public record FileEntry(int flags, int eaLength, int reparseTag, long creationTime, long lastWriteTime, long changeTime,
                        long lastAccessTime, Stream defaultStream, long sdOffset, long eaOffset, long reparseOffset,
                        long streamTableOffset, int parentFileId) {
    public static final int SIZE = 96;

    public static final int FILE_ATTRIBUTE_READONLY = 0x1;
    public static final int FILE_ATTRIBUTE_HIDDEN = 0x2;
    public static final int FILE_ATTRIBUTE_SYSTEM = 0x4;
    public static final int FILE_ATTRIBUTE_DIRECTORY = 0x10;
    public static final int FILE_ATTRIBUTE_ARCHIVE = 0x20;
    public static final int FILE_ATTRIBUTE_SPARSE_FILE = 0x200;
    public static final int FILE_ATTRIBUTE_REPARSE_POINT = 0x400;
    /** The attributes a CIM can hold, by flag bit. */
    private static final int[] FLAG_ATTRIBUTES = {FILE_ATTRIBUTE_READONLY, FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_SYSTEM,
            FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_SPARSE_FILE};

    /** The flag bits for Win32 {@code attributes}; the rest (DIRECTORY, REPARSE_POINT among them) is implied or dropped. */
    public static int flagsOf(int attributes) {
        int flags = 0;
        for (int bit = 0; bit < FLAG_ATTRIBUTES.length; bit++) {
            if ((attributes & FLAG_ATTRIBUTES[bit]) != 0) {
                flags |= 1 << bit;
            }
        }
        return flags;
    }

    /** The Win32 attributes this entry stands for. */
    public int attributes() {
        int a = 0;
        for (int bit = 0; bit < FLAG_ATTRIBUTES.length; bit++) {
            if ((flags & (1 << bit)) != 0) {
                a |= FLAG_ATTRIBUTES[bit];
            }
        }
        if (isDirectory()) {
            a |= FILE_ATTRIBUTE_DIRECTORY;
        }
        if (reparseOffset != RegionOffset.NULL) {
            a |= FILE_ATTRIBUTE_REPARSE_POINT;
        }
        return a;
    }

    public boolean isDirectory() {
        return defaultStream.type() == Stream.Type.LINK_TABLE;
    }

    public void write(ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putShort((short) flags).putShort((short) eaLength).putInt(reparseTag)
                .putLong(creationTime).putLong(lastWriteTime).putLong(changeTime).putLong(lastAccessTime);
        defaultStream.write(le);
        le.putLong(sdOffset).putLong(eaOffset).putLong(reparseOffset).putLong(streamTableOffset)
                .putInt(parentFileId).putShort((short) 0).putShort((short) 0);
        out.position(out.position() + SIZE);
    }

    /** Reads an entry stored {@code entrySize} bytes long: shorter ones are zero-extended, longer ones truncated. */
    public static FileEntry read(ByteBuffer in, int entrySize) {
        ByteBuffer full = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer stored = in.slice();
        stored.limit(Math.min(Math.min(entrySize, SIZE), stored.remaining()));
        full.put(stored).position(0);
        in.position(in.position() + entrySize);
        int flags = full.getShort() & 0xFFFF;
        int eaLength = full.getShort() & 0xFFFF;
        int tag = full.getInt();
        long c = full.getLong();
        long w = full.getLong();
        long ch = full.getLong();
        long a = full.getLong();
        Stream stream = Stream.read(full);
        return new FileEntry(flags, eaLength, tag, c, w, ch, a, stream, full.getLong(), full.getLong(), full.getLong(),
                full.getLong(), full.getInt());
    }
}
