package io.layerd.lcow.vhd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.UUID;

/**
 * One entry of the VHDX metadata table ([MS-VHDX] 2.6.1.2): where a metadata item lives inside the
 * metadata region.
 *
 * <p>Layout, little-endian:
 * <pre>
 *   0  ItemId            identifies the item kind
 *  16  Offset u32        from the start of the metadata region, at least 64 KiB (0 only when Length is 0)
 *  20  Length u32        at most 1 MiB
 *  24  flags u32         bit 0 IsUser, bit 1 IsVirtualDisk, bit 2 IsRequired
 *  28  Reserved2 u32
 * </pre>
 */
public record VhdxMetadataTableEntry(
        UUID itemId, long offset, long length, boolean isUser, boolean isVirtualDisk, boolean isRequired) {

    static final int OFF_ITEM_ID = 0;
    static final int OFF_OFFSET = 16;
    static final int OFF_LENGTH = 20;
    static final int OFF_FLAGS = 24;
    static final int OFF_RESERVED2 = 28;

    /** Bytes of an entry: item id 16 + offset 4 + length 4 + flags 4 + reserved 4 = 32. */
    public static final int SIZE = OFF_RESERVED2 + 4;

    static final int FLAG_IS_USER = 1;
    static final int FLAG_IS_VIRTUAL_DISK = 1 << 1;
    static final int FLAG_IS_REQUIRED = 1 << 2;

    public VhdxMetadataTableEntry {
        Objects.requireNonNull(itemId, "itemId");
        if (offset < 0 || offset > 0xFFFF_FFFFL || length < 0 || length > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("Offset and Length are u32");
        }
    }

    void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        MsGuid.put(b, OFF_ITEM_ID, itemId);
        b.putInt(OFF_OFFSET, (int) offset);
        b.putInt(OFF_LENGTH, (int) length);
        b.putInt(OFF_FLAGS, (isUser ? FLAG_IS_USER : 0) | (isVirtualDisk ? FLAG_IS_VIRTUAL_DISK : 0)
                | (isRequired ? FLAG_IS_REQUIRED : 0));
        b.putInt(OFF_RESERVED2, 0);
        dst.position(dst.position() + SIZE);
    }

    static VhdxMetadataTableEntry read(ByteBuffer src) {
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int flags = b.getInt(OFF_FLAGS);
        VhdxMetadataTableEntry e = new VhdxMetadataTableEntry(MsGuid.get(b, OFF_ITEM_ID),
                Integer.toUnsignedLong(b.getInt(OFF_OFFSET)), Integer.toUnsignedLong(b.getInt(OFF_LENGTH)),
                (flags & FLAG_IS_USER) != 0, (flags & FLAG_IS_VIRTUAL_DISK) != 0, (flags & FLAG_IS_REQUIRED) != 0);
        src.position(src.position() + SIZE);
        return e;
    }
}
