package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 40 bytes a region file starts with (common header, then its index in the set); objects
 * follow, addressed by absolute byte offset. Also the objectid file's header, which layerd writes
 * with no entries (48 bytes): their digest algorithm is undocumented and they are not read.
 */
public final class RegionHeader {
    public static final int SIZE = 40;
    public static final int OBJECT_ID_SIZE = 48;

    private RegionHeader() {
    }

    public static byte[] region(int index) {
        ByteBuffer out = ByteBuffer.allocate(SIZE);
        CommonHeader.current(SIZE, CommonHeader.FileType.REGION).write(out);
        out.slice().order(ByteOrder.LITTLE_ENDIAN).putShort((short) index);
        return out.array();
    }

    public static byte[] objectIds(int index) {
        ByteBuffer out = ByteBuffer.allocate(OBJECT_ID_SIZE);
        CommonHeader.current(OBJECT_ID_SIZE, CommonHeader.FileType.OBJECT_ID).write(out);
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putShort((short) index).put((byte) 0).put((byte) 0).putInt(0).putInt(OBJECT_ID_SIZE).putInt(0);
        return out.array();
    }

    /** Checks a region file's header; {@code what} names the file. */
    public static void check(ByteBuffer in, String what) {
        CommonHeader h = CommonHeader.read(in, what);
        if (h.type() != CommonHeader.FileType.REGION) {
            throw new CimFormatException(what + ": a " + h.type() + " file, not a region");
        }
    }
}
