package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The region files of one image (24 bytes): their GUID and count; the files are
 * {@code region_<guid>_<i>} and {@code objectid_<guid>_<i>}, i = 0 … count − 1.
 */
public record RegionSet(CimGuid id, int count) {
    public static final int SIZE = 24;

    public RegionSet {
        if (count < 1 || count > 0xFFFF) {
            throw new IllegalArgumentException("a region set has 1 to 65535 regions, not " + count);
        }
    }

    public String regionFile(int index) {
        return "region_" + id.text() + "_" + index;
    }

    public String objectIdFile(int index) {
        return "objectid_" + id.text() + "_" + index;
    }

    public void write(ByteBuffer out) {
        id.write(out);
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putShort((short) count).putShort((short) 0).putInt(0);
        out.position(out.position() + SIZE - CimGuid.SIZE);
    }

    public static RegionSet read(ByteBuffer in) {
        CimGuid id = CimGuid.read(in);
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        int count = le.getShort() & 0xFFFF;
        in.position(in.position() + SIZE - CimGuid.SIZE);
        if (count == 0) {
            throw new CimFormatException("region set " + id.text() + " has no regions");
        }
        return new RegionSet(id, count);
    }
}
