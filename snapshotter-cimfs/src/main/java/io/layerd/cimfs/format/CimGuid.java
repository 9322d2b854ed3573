package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.UUID;

/**
 * A GUID as Windows stores it — Data1 (u32), Data2 and Data3 (u16) little-endian, Data4 as 8 bytes —
 * and names it in region file names: lower-case {@code 8-4-4-4-12} hex, no braces.
 */
public record CimGuid(UUID uuid) {
    public static final int SIZE = 16;

    /** The text form, whose digits read Data1..Data4 in order: the same digits as {@link UUID#toString()}. */
    public String text() {
        return uuid.toString();
    }

    public void write(ByteBuffer out) {
        long msb = uuid.getMostSignificantBits();
        ByteBuffer le = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        le.putInt((int) (msb >>> 32));
        le.putShort((short) (msb >>> 16));
        le.putShort((short) msb);
        le.putLong(Long.reverseBytes(uuid.getLeastSignificantBits())); // Data4: bytes in text order
        out.position(out.position() + SIZE);
    }

    public static CimGuid read(ByteBuffer in) {
        ByteBuffer le = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long data1 = le.getInt() & 0xFFFFFFFFL;
        long data2 = le.getShort() & 0xFFFFL;
        long data3 = le.getShort() & 0xFFFFL;
        long data4 = Long.reverseBytes(le.getLong());
        in.position(in.position() + SIZE);
        return new CimGuid(new UUID((data1 << 32) | (data2 << 16) | data3, data4));
    }

    public static CimGuid parse(String text) {
        if (!text.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
            throw new IllegalArgumentException("not a lower-case GUID: " + text);
        }
        return new CimGuid(UUID.fromString(text));
    }

    @Override
    public String toString() {
        return text() + " (" + HexFormat.of().formatHex(bytes()) + ")";
    }

    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        write(b);
        return b.array();
    }
}
