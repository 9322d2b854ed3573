package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code .cim} file: common header, the image's own region set, where the {@link
 * FilesystemObject} is, and the parents' region sets (a forked image reads its parents' regions
 * first, in this order, then its own). 72 + 24 × parents bytes.
 */
public record FilesystemHeader(RegionSet regions, long filesystemOffset, List<RegionSet> parents) {
    public static final int FIXED_SIZE = 72;

    public FilesystemHeader {
        parents = List.copyOf(parents);
        if (parents.size() > 0xFFFF) {
            throw new IllegalArgumentException("too many parent region sets: " + parents.size());
        }
    }

    public int size() {
        return FIXED_SIZE + RegionSet.SIZE * parents.size();
    }

    /** Regions of the whole chain: every parent's, then this image's. */
    public int totalRegions() {
        return parents.stream().mapToInt(RegionSet::count).sum() + regions.count();
    }

    public byte[] bytes() {
        ByteBuffer out = ByteBuffer.allocate(size());
        CommonHeader.current(size(), CommonHeader.FileType.IMAGE).write(out);
        regions.write(out);
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(filesystemOffset).putInt(0).putShort((short) 0).putShort((short) parents.size());
        out.position(out.position() + 16);
        for (RegionSet p : parents) {
            p.write(out);
        }
        return out.array();
    }

    public static FilesystemHeader read(ByteBuffer in, String what) {
        CommonHeader common = CommonHeader.read(in, what);
        if (common.type() != CommonHeader.FileType.IMAGE) {
            throw new CimFormatException(what + ": a " + common.type() + " file, not an image");
        }
        if (in.remaining() < FIXED_SIZE - CommonHeader.SIZE) {
            throw new CimFormatException(what + ": truncated header");
        }
        RegionSet regions = RegionSet.read(in);
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        long filesystem = le.getLong(0);
        int parentCount = le.getShort(14) & 0xFFFF;
        in.position(in.position() + 16);
        if (in.remaining() < (long) parentCount * RegionSet.SIZE) {
            throw new CimFormatException(what + ": header names " + parentCount + " parents but ends before them");
        }
        List<RegionSet> parents = new ArrayList<>(parentCount);
        for (int i = 0; i < parentCount; i++) {
            parents.add(RegionSet.read(in));
        }
        FilesystemHeader h = new FilesystemHeader(regions, filesystem, parents);
        if (h.totalRegions() > 0x10000) {
            throw new CimFormatException(what + ": " + h.totalRegions() + " regions in the chain; at most 65536");
        }
        return h;
    }
}
