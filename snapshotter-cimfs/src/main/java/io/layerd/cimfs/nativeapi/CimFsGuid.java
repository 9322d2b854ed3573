package io.layerd.cimfs.nativeapi;

import com.sun.jna.Structure;

import java.util.UUID;

/**
 * A Windows {@code GUID} as CimFS takes it ({@code const GUID* volumeId}): Data1 (u32), Data2
 * and Data3 (u16), Data4 (8 bytes), 16 bytes with no padding. Data1–3 are native (little-endian)
 * integers and Data4 holds the last 8 bytes in text order, so
 * {@code a42e7cda-d03f-480c-9cc2-a4de20abb878} is {@code da 7c 2e a4 3f d0 0c 48 9c c2 a4 de 20 ab b8 78}
 * in memory.
 */
@Structure.FieldOrder({"Data1", "Data2", "Data3", "Data4"})
public final class CimFsGuid extends Structure {
    public static final int SIZE = 16;

    public int Data1;
    public short Data2;
    public short Data3;
    public byte[] Data4 = new byte[8];

    public CimFsGuid() {
    }

    public CimFsGuid(UUID uuid) {
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        Data1 = (int) (msb >>> 32);
        Data2 = (short) (msb >>> 16);
        Data3 = (short) msb;
        for (int i = 0; i < 8; i++) {
            Data4[i] = (byte) (lsb >>> (56 - 8 * i));
        }
        write(); // the native copy is ready even before JNA's auto-write on a call
    }

    public UUID toUuid() {
        long msb = (Data1 & 0xFFFFFFFFL) << 32 | (Data2 & 0xFFFFL) << 16 | (Data3 & 0xFFFFL);
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            lsb = lsb << 8 | (Data4[i] & 0xFF);
        }
        return new UUID(msb, lsb);
    }
}
