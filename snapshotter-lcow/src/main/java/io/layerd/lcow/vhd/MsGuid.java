package io.layerd.lcow.vhd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * The Microsoft binary GUID layout ({@code struct _GUID}) used by every GUID field of VHDX.
 *
 * <p>A GUID is {@code Data1 u32, Data2 u16, Data3 u16, Data4[8]}; VHDX stores the three integers
 * little-endian and Data4 as plain bytes. Reading the canonical string of a {@link UUID} as
 * Data1-Data2-Data3-Data4 therefore gives the same text Windows and qemu print, e.g. the BAT region
 * {@code 2DC27766-F623-4200-9D64-115E9BFD4A08} is stored as {@code 66 77 C2 2D 23 F6 00 42 9D 64 ...}.
 */
final class MsGuid {

    /** Bytes of one GUID: Data1 4 + Data2 2 + Data3 2 + Data4 8 = 16. */
    static final int SIZE = 4 + 2 + 2 + 8;

    static final UUID ZERO = new UUID(0, 0);

    private MsGuid() {
    }

    /** Writes {@code guid} at absolute {@code offset} of {@code buf}, independent of the buffer's order. */
    static void put(ByteBuffer buf, int offset, UUID guid) {
        ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long msb = guid.getMostSignificantBits();
        long lsb = guid.getLeastSignificantBits();
        le.putInt(offset, (int) (msb >>> 32));          // Data1
        le.putShort(offset + 4, (short) (msb >>> 16));  // Data2
        le.putShort(offset + 6, (short) msb);           // Data3
        for (int i = 0; i < 8; i++) {                   // Data4, most significant byte first
            le.put(offset + 8 + i, (byte) (lsb >>> (56 - 8 * i)));
        }
    }

    /** Reads the GUID at absolute {@code offset} of {@code buf}, independent of the buffer's order. */
    static UUID get(ByteBuffer buf, int offset) {
        ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long data1 = Integer.toUnsignedLong(le.getInt(offset));
        long data2 = Short.toUnsignedLong(le.getShort(offset + 4));
        long data3 = Short.toUnsignedLong(le.getShort(offset + 6));
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            lsb = (lsb << 8) | (le.get(offset + 8 + i) & 0xFF);
        }
        return new UUID((data1 << 32) | (data2 << 16) | data3, lsb);
    }
}
