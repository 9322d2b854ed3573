package io.layerd.lcow.vhd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.UUID;

/**
 * One entry of the VHDX region table ([MS-VHDX] 2.2.3.2): where a region (BAT, metadata) lives.
 *
 * <p>Layout, little-endian:
 * <pre>
 *   0  Guid              identifies the region kind
 *  16  FileOffset u64    multiple of 1 MiB, at least 1 MiB
 *  24  Length u32        multiple of 1 MiB
 *  28  Required u32      bit 0: a reader that does not know Guid must refuse the file
 * </pre>
 */
public record VhdxRegionTableEntry(UUID guid, long fileOffset, long length, boolean required) {

    static final int OFF_GUID = 0;
    static final int OFF_FILE_OFFSET = 16;
    static final int OFF_LENGTH = 24;
    static final int OFF_REQUIRED = 28;

    /** Bytes of an entry: guid 16 + file offset 8 + length 4 + required 4 = 32. */
    public static final int SIZE = OFF_REQUIRED + 4;

    /** Region holding the Block Allocation Table. */
    public static final UUID BAT_GUID = UUID.fromString("2DC27766-F623-4200-9D64-115E9BFD4A08");
    /** Region holding the metadata table and items. */
    public static final UUID METADATA_GUID = UUID.fromString("8B7CA206-4790-4B9A-B8FE-575F050F886E");

    public VhdxRegionTableEntry {
        Objects.requireNonNull(guid, "guid");
        if (length < 0 || length > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("Length is a u32: " + length);
        }
    }

    /** File offset just past the region. */
    public long end() {
        return fileOffset + length;
    }

    void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        MsGuid.put(b, OFF_GUID, guid);
        b.putLong(OFF_FILE_OFFSET, fileOffset);
        b.putInt(OFF_LENGTH, (int) length);
        b.putInt(OFF_REQUIRED, required ? 1 : 0);
        dst.position(dst.position() + SIZE);
    }

    static VhdxRegionTableEntry read(ByteBuffer src) {
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        VhdxRegionTableEntry e = new VhdxRegionTableEntry(MsGuid.get(b, OFF_GUID), b.getLong(OFF_FILE_OFFSET),
                Integer.toUnsignedLong(b.getInt(OFF_LENGTH)), (b.getInt(OFF_REQUIRED) & 1) != 0);
        src.position(src.position() + SIZE);
        return e;
    }
}
