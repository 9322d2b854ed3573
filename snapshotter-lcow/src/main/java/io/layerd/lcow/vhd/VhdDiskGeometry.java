package io.layerd.lcow.vhd;

/**
 * The 4-byte Disk Geometry field of the VHD footer: Cylinder (u16), Heads (u8), Sectors per
 * track/cylinder (u8), big-endian like the rest of the footer.
 *
 * <p>{@link #forTotalSectors(long)} is the algorithm of the VHD specification's appendix
 * "CHS Calculation" (the same one qemu's {@code calculate_geometry()} in {@code block/vpc.c}
 * implements). The geometry does not always cover the whole disk: it rounds down, and it saturates
 * at 65535 x 16 x 255 sectors (about 127 GiB); readers that size a disk from CHS (Virtual PC) see
 * {@link #totalSectors()} bytes, which is why {@link VhdFooter} picks a creator application that
 * makes qemu and Hyper-V use Current Size instead.
 */
public record VhdDiskGeometry(int cylinders, int heads, int sectorsPerTrack) {

    /** Bytes of the field: cylinder 2 + heads 1 + sectors per track 1 = 4. */
    public static final int SIZE = 2 + 1 + 1;

    /** Largest geometry the field can express and the specification's clamp: 65535 x 16 x 255. */
    public static final long MAX_TOTAL_SECTORS = 65535L * 16 * 255;

    /**
     * Sector count from which the specification switches to 255 sectors per track: 65535 x 16 x 63,
     * the largest disk an ATA geometry with at most 63 sectors per track can describe.
     */
    static final long ATA_LIMIT_SECTORS = 65535L * 16 * 63;

    public VhdDiskGeometry {
        if (cylinders < 0 || cylinders > 0xFFFF) {
            throw new IllegalArgumentException("cylinders out of u16 range: " + cylinders);
        }
        if (heads < 0 || heads > 0xFF) {
            throw new IllegalArgumentException("heads out of u8 range: " + heads);
        }
        if (sectorsPerTrack < 0 || sectorsPerTrack > 0xFF) {
            throw new IllegalArgumentException("sectors per track out of u8 range: " + sectorsPerTrack);
        }
    }

    /** The VHD specification's CHS calculation for a disk of {@code totalSectors} 512-byte sectors. */
    public static VhdDiskGeometry forTotalSectors(long totalSectors) {
        if (totalSectors < 0) {
            throw new IllegalArgumentException("negative sector count: " + totalSectors);
        }
        long sectors = Math.min(totalSectors, MAX_TOTAL_SECTORS);
        long sectorsPerTrack;
        long heads;
        long cylinderTimesHeads;
        if (sectors >= ATA_LIMIT_SECTORS) {
            sectorsPerTrack = 255;
            heads = 16;
            cylinderTimesHeads = sectors / sectorsPerTrack;
        } else {
            sectorsPerTrack = 17;
            cylinderTimesHeads = sectors / sectorsPerTrack;
            heads = (cylinderTimesHeads + 1023) / 1024;
            if (heads < 4) {
                heads = 4;
            }
            if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
                sectorsPerTrack = 31;
                heads = 16;
                cylinderTimesHeads = sectors / sectorsPerTrack;
            }
            if (cylinderTimesHeads >= heads * 1024) {
                sectorsPerTrack = 63;
                heads = 16;
                cylinderTimesHeads = sectors / sectorsPerTrack;
            }
        }
        return new VhdDiskGeometry((int) (cylinderTimesHeads / heads), (int) heads, (int) sectorsPerTrack);
    }

    /** Sectors the geometry addresses: cylinders x heads x sectors per track. */
    public long totalSectors() {
        return (long) cylinders * heads * sectorsPerTrack;
    }

    /** The field as stored: cylinders in the high 16 bits, then heads, then sectors per track. */
    int encode() {
        return (cylinders << 16) | (heads << 8) | sectorsPerTrack;
    }

    static VhdDiskGeometry decode(int field) {
        return new VhdDiskGeometry(field >>> 16, (field >>> 8) & 0xFF, field & 0xFF);
    }

    @Override
    public String toString() {
        return cylinders + "/" + heads + "/" + sectorsPerTrack;
    }
}
