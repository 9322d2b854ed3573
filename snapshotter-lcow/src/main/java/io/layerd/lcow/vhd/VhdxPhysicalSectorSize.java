package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * The Physical Sector Size metadata item ([MS-VHDX] 2.6.2.5): one little-endian u32, the physical
 * sector size the virtual disk reports to the guest as an alignment hint. Only 512 and 4096 are valid.
 */
public record VhdxPhysicalSectorSize(long physicalSectorSize) {

    /** Bytes of the item: one u32 = 4. */
    public static final int SIZE = 4;

    public static final UUID ITEM_ID = UUID.fromString("CDA348C7-445D-4471-9CC9-E9885251C556");

    public VhdxPhysicalSectorSize {
        if (physicalSectorSize != 512 && physicalSectorSize != 4096) {
            throw new IllegalArgumentException("PhysicalSectorSize must be 512 or 4096: " + physicalSectorSize);
        }
    }

    public void writeTo(ByteBuffer dst) {
        dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) physicalSectorSize);
        dst.position(dst.position() + SIZE);
    }

    public static VhdxPhysicalSectorSize read(ByteBuffer src, String source) throws IOException {
        long value = Integer.toUnsignedLong(src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        if (value != 512 && value != 4096) {
            throw new IOException(source + ": Physical Sector Size field PhysicalSectorSize is " + value
                    + ", expected 512 or 4096");
        }
        src.position(src.position() + SIZE);
        return new VhdxPhysicalSectorSize(value);
    }
}
