package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One entry of the file-table directory (16 bytes): a table of up to {@link #FILES_PER_TABLE}
 * consecutive file entries — id n is in table (n − 1) / 1024, slot (n − 1) % 1024.
 */
public record FileTableEntry(long offset, int count, int entrySize) {
    public static final int SIZE = 16;
    public static final int FILES_PER_TABLE = 1024;

    public void write(ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(offset).putShort((short) count).putShort((short) entrySize).putInt(0);
        out.position(out.position() + SIZE);
    }

    public static FileTableEntry read(ByteBuffer in) {
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        FileTableEntry e = new FileTableEntry(le.getLong(), le.getShort() & 0xFFFF, le.getShort() & 0xFFFF);
        in.position(in.position() + SIZE);
        if (e.count > FILES_PER_TABLE) {
            throw new CimFormatException("a file table holds at most 1024 files, not " + e.count);
        }
        return e;
    }
}
