package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The object a PE-image stream (type 2) points to: CimFS.dll stores an executable whose sections
 * are 512-byte aligned laid out as its 4 KiB-aligned memory image, and this says how to read the
 * file back. {@code PeImage} (24 bytes: DataOffset RegionOffset @0, DataLength u64 @8, ImageLength
 * u32 @16, MappingCount u16 @20, Flags u16 @22), then MappingCount × {FileOffset u32, Delta u32}.
 * File offset {@code off} lies in the segment of the last mapping with FileOffset ≤ off, which
 * ends at the next mapping's FileOffset; its bytes are at {@code DataOffset + off + Delta}.
 */
public record PeImage(long dataOffset, long dataLength, long imageLength, int flags, List<Mapping> mappings) {
    public static final int HEADER = 24;
    public static final int MAPPING = 8;

    /** From file offset {@code fileOffset} on, the bytes lie {@code delta} further into the data. */
    public record Mapping(long fileOffset, long delta) {
    }

    public PeImage {
        mappings = List.copyOf(mappings);
        for (int i = 1; i < mappings.size(); i++) {
            if (mappings.get(i).fileOffset() <= mappings.get(i - 1).fileOffset()) {
                throw new CimFormatException("PE image mappings must ascend by file offset");
            }
        }
        if (mappings.isEmpty() || mappings.get(0).fileOffset() != 0) {
            throw new CimFormatException("a PE image's first mapping must start at file offset 0");
        }
    }

    /** The header's mapping count, to know how many bytes {@link #read} needs. */
    public static int mappingCount(ByteBuffer header) {
        return header.duplicate().order(ByteOrder.LITTLE_ENDIAN).getShort(20) & 0xFFFF;
    }

    public static PeImage read(ByteBuffer in) {
        ByteBuffer le = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long data = le.getLong(0);
        long dataLength = le.getLong(8);
        long imageLength = le.getInt(16) & 0xFFFFFFFFL;
        int count = le.getShort(20) & 0xFFFF;
        int flags = le.getShort(22) & 0xFFFF;
        if (le.remaining() < HEADER + (long) count * MAPPING) {
            throw new CimFormatException("PE image: " + count + " mappings run past the object");
        }
        List<Mapping> mappings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            mappings.add(new Mapping(le.getInt(HEADER + i * MAPPING) & 0xFFFFFFFFL, le.getInt(HEADER + i * MAPPING + 4) & 0xFFFFFFFFL));
        }
        return new PeImage(data, dataLength, imageLength, flags, mappings);
    }

    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER + mappings.size() * MAPPING).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(dataOffset).putLong(dataLength).putInt((int) imageLength).putShort((short) mappings.size()).putShort((short) flags);
        for (Mapping m : mappings) {
            b.putInt((int) m.fileOffset()).putInt((int) m.delta());
        }
        return b.array();
    }

    /** Where file offset {@code fileOffset} of a file of {@code size} bytes lies, and how many bytes follow it there. */
    public Segment segment(long fileOffset, long size) {
        int i = mappings.size() - 1;
        while (mappings.get(i).fileOffset() > fileOffset) {
            i--;
        }
        long end = i + 1 < mappings.size() ? Math.min(size, mappings.get(i + 1).fileOffset()) : size;
        long physical = fileOffset + mappings.get(i).delta();
        if (physical + (end - fileOffset) > dataLength) {
            throw new CimFormatException("PE image: file bytes " + fileOffset + ".." + end + " lie past its " + dataLength + " bytes of data");
        }
        return new Segment(physical, end - fileOffset);
    }

    /** {@code length} bytes at {@code physicalOffset} bytes into the PE image's data. */
    public record Segment(long physicalOffset, long length) {
    }
}
