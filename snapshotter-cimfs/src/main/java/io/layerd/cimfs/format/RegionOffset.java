package io.layerd.cimfs.format;

/**
 * A CIM's pointer to an object: the region (counting every parent region set first, in the
 * filesystem header's order, then the image's own) in the top 16 bits, the byte offset within
 * that region file — header included, so 0 never addresses an object — in the low 48. 0 is null.
 */
public final class RegionOffset {
    public static final long NULL = 0;
    private static final long BYTE_MASK = (1L << 48) - 1;

    private RegionOffset() {
    }

    public static long of(int regionIndex, long byteOffset) {
        if (regionIndex < 0 || regionIndex > 0xFFFF) {
            throw new IllegalArgumentException("region index out of range: " + regionIndex);
        }
        if (byteOffset <= 0 || byteOffset > BYTE_MASK) {
            throw new IllegalArgumentException("region byte offset out of range: " + byteOffset);
        }
        return ((long) regionIndex << 48) | byteOffset;
    }

    public static int regionIndex(long offset) {
        return (int) (offset >>> 48);
    }

    public static long byteOffset(long offset) {
        return offset & BYTE_MASK;
    }
}
