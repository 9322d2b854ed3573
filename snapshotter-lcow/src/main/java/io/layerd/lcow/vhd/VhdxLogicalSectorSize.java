package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * The Logical Sector Size metadata item ([MS-VHDX] 2.6.2.4): one little-endian u32, the sector size
 * the virtual disk reports; the virtual disk size is a multiple of it. Only 512 and 4096 are valid.
 */
public record VhdxLogicalSectorSize(long logicalSectorSize) {

    /** Bytes of the item: one u32 = 4. */
    public static final int SIZE = 4;

    public static final UUID ITEM_ID = UUID.fromString("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");

    public VhdxLogicalSectorSize {
        if (logicalSectorSize != 512 && logicalSectorSize != 4096) {
            throw new IllegalArgumentException("LogicalSectorSize must be 512 or 4096: " + logicalSectorSize);
        }
    }

    public void writeTo(ByteBuffer dst) {
        dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) logicalSectorSize);
        dst.position(dst.position() + SIZE);
    }

    public static VhdxLogicalSectorSize read(ByteBuffer src, String source) throws IOException {
        long value = Integer.toUnsignedLong(src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        if (value != 512 && value != 4096) {
            throw new IOException(source + ": Logical Sector Size field LogicalSectorSize is " + value
                    + ", expected 512 or 4096");
        }
        src.position(src.position() + SIZE);
        return new VhdxLogicalSectorSize(value);
    }
}
