package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * The File Parameters metadata item ([MS-VHDX] 2.6.2.1).
 *
 * <p>Layout, little-endian:
 * <pre>
 *   0  BlockSize u32     payload block size: a power of two from 1 MiB to 256 MiB
 *   4  flags u32         bit 0 LeaveBlockAllocated (fixed VHDX), bit 1 HasParent (differencing VHDX)
 * </pre>
 */
public record VhdxFileParameters(long blockSize, boolean leaveBlockAllocated, boolean hasParent) {

    /** Bytes of the item: block size 4 + flags 4 = 8. */
    public static final int SIZE = 4 + 4;

    public static final UUID ITEM_ID = UUID.fromString("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");

    public static final long MIN_BLOCK_SIZE = 1L << 20;
    public static final long MAX_BLOCK_SIZE = 256L << 20;

    static final int FLAG_LEAVE_BLOCK_ALLOCATED = 1;
    static final int FLAG_HAS_PARENT = 1 << 1;

    public VhdxFileParameters {
        if (!isValidBlockSize(blockSize)) {
            throw new IllegalArgumentException("BlockSize must be a power of two from 1 MiB to 256 MiB: " + blockSize);
        }
    }

    static boolean isValidBlockSize(long blockSize) {
        return blockSize >= MIN_BLOCK_SIZE && blockSize <= MAX_BLOCK_SIZE && Long.bitCount(blockSize) == 1;
    }

    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, (int) blockSize);
        b.putInt(4, (leaveBlockAllocated ? FLAG_LEAVE_BLOCK_ALLOCATED : 0) | (hasParent ? FLAG_HAS_PARENT : 0));
        dst.position(dst.position() + SIZE);
    }

    public static VhdxFileParameters read(ByteBuffer src, String source) throws IOException {
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long blockSize = Integer.toUnsignedLong(b.getInt(0));
        int flags = b.getInt(4);
        if (!isValidBlockSize(blockSize)) {
            throw new IOException(source + ": File Parameters field BlockSize is " + blockSize
                    + ", expected a power of two from 1 MiB to 256 MiB");
        }
        src.position(src.position() + SIZE);
        return new VhdxFileParameters(blockSize, (flags & FLAG_LEAVE_BLOCK_ALLOCATED) != 0,
                (flags & FLAG_HAS_PARENT) != 0);
    }
}
