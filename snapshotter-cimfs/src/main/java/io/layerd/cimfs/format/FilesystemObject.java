package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The file system object (24 bytes): where the upcase table and the file-table directory are,
 * how many file tables it lists, and the root directory's file id.
 */
public record FilesystemObject(long upcaseTableOffset, long fileTableDirectoryOffset, int fileTables, int rootDirectory) {
    public static final int SIZE = 24;

    public void write(ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(upcaseTableOffset).putLong(fileTableDirectoryOffset).putInt(fileTables).putInt(rootDirectory);
        out.position(out.position() + SIZE);
    }

    public static FilesystemObject read(ByteBuffer in) {
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (le.remaining() < SIZE) {
            throw new CimFormatException("truncated file system object");
        }
        FilesystemObject f = new FilesystemObject(le.getLong(), le.getLong(), le.getInt(), le.getInt());
        in.position(in.position() + SIZE);
        if (f.upcaseTableOffset == RegionOffset.NULL) {
            throw new CimFormatException("the image has no upcase table");
        }
        if (f.rootDirectory == 0) {
            throw new CimFormatException("the image's root directory id is 0 (ids start at 1)");
        }
        return f;
    }
}
