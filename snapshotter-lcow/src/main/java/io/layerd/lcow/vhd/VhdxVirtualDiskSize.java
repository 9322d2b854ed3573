package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * The Virtual Disk Size metadata item ([MS-VHDX] 2.6.2.2): one little-endian u64, the size of the
 * virtual disk in bytes, a multiple of the logical sector size and at most 64 TiB.
 */
public record VhdxVirtualDiskSize(long virtualDiskSize) {

    /** Bytes of the item: one u64 = 8. */
    public static final int SIZE = 8;

    public static final UUID ITEM_ID = UUID.fromString("2FA54224-CD1B-4876-B211-5DBED83BF4B8");

    /** [MS-VHDX] maximum: 64 TiB. */
    public static final long MAX = 64L << 40;

    public void writeTo(ByteBuffer dst) {
        dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(0, virtualDiskSize);
        dst.position(dst.position() + SIZE);
    }

    public static VhdxVirtualDiskSize read(ByteBuffer src, String source) throws IOException {
        long size = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (size <= 0 || size > MAX) {
            throw new IOException(source + ": Virtual Disk Size field VirtualDiskSize is " + Long.toUnsignedString(size)
                    + ", expected 1 byte to 64 TiB");
        }
        src.position(src.position() + SIZE);
        return new VhdxVirtualDiskSize(size);
    }
}
