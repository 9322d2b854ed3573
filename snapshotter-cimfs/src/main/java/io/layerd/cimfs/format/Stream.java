package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A CIM stream (16 bytes): where its bytes are ({@link RegionOffset}) and, packed in one u64, its
 * size (bits 0-47), its type (bits 48-55: data, link table, PE image) and the sparse bit (56: reads
 * as zeros, offset unused).
 */
public record Stream(long dataOffset, long size, Type type, boolean sparse) {
    public static final int SIZE = 16;
    private static final long SIZE_MASK = (1L << 48) - 1;
    private static final long SPARSE_BIT = 1L << 56;

    /** What a stream's bytes are. */
    public enum Type {
        DATA, LINK_TABLE, PE_IMAGE
    }

    public Stream {
        if (size < 0 || size > SIZE_MASK) {
            throw new IllegalArgumentException("stream size out of range: " + size);
        }
    }

    public void write(ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(dataOffset).putLong(size | ((long) type.ordinal() << 48) | (sparse ? SPARSE_BIT : 0));
        out.position(out.position() + SIZE);
    }

    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        write(b);
        return b.array();
    }

    public static Stream read(ByteBuffer in) {
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        long offset = le.getLong();
        long packed = le.getLong();
        int type = (int) ((packed >>> 48) & 0xFF);
        if (type >= Type.values().length) {
            throw new CimFormatException("stream type " + type + " is not data, link table or PE image");
        }
        in.position(in.position() + SIZE);
        return new Stream(offset, packed & SIZE_MASK, Type.values()[type], (packed & SPARSE_BIT) != 0);
    }
}
