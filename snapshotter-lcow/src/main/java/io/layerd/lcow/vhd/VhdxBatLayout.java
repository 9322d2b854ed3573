package io.layerd.lcow.vhd;

/**
 * Where each block's entry sits in the BAT of a fixed or dynamic VHDX ([MS-VHDX] 2.4 and 2.5).
 *
 * <p>One sector bitmap block covers 2^23 logical sectors (a "chunk"); the chunk ratio is the number of
 * payload blocks per chunk. The BAT interleaves: {@code chunkRatio} payload entries, then that chunk's
 * sector bitmap entry, and so on. Fixed and dynamic files end the table at the last payload entry, so a
 * trailing chunk without a following payload block has no sector bitmap entry.
 *
 * @param virtualDiskSize   bytes of the virtual disk
 * @param blockSize         payload block size in bytes
 * @param logicalSectorSize 512 or 4096
 */
public record VhdxBatLayout(long virtualDiskSize, long blockSize, long logicalSectorSize) {

    /** Logical sectors one sector bitmap block describes: 1 MiB of bits = 2^23. */
    public static final long SECTORS_PER_BITMAP_BLOCK = 1L << 23;

    public VhdxBatLayout {
        if (virtualDiskSize < 0 || !VhdxFileParameters.isValidBlockSize(blockSize)
                || (logicalSectorSize != 512 && logicalSectorSize != 4096)) {
            throw new IllegalArgumentException("invalid VHDX geometry: size " + virtualDiskSize + ", block "
                    + blockSize + ", sector " + logicalSectorSize);
        }
    }

    /** ChunkRatio = 2^23 x LogicalSectorSize / BlockSize (4096 for 512-byte sectors and 1 MiB blocks). */
    public long chunkRatio() {
        return SECTORS_PER_BITMAP_BLOCK * logicalSectorSize / blockSize;
    }

    /** PayloadBlocksCount = ceil(VirtualDiskSize / BlockSize). */
    public long payloadBlocks() {
        return ceilDiv(virtualDiskSize, blockSize);
    }

    /** SectorBitmapBlocksCount = ceil(PayloadBlocksCount / ChunkRatio). */
    public long sectorBitmapBlocks() {
        return ceilDiv(payloadBlocks(), chunkRatio());
    }

    /** TotalBATEntries (fixed, dynamic) = PayloadBlocksCount + floor((PayloadBlocksCount - 1) / ChunkRatio). */
    public long totalBatEntries() {
        long payload = payloadBlocks();
        return payload == 0 ? 0 : payload + (payload - 1) / chunkRatio();
    }

    /** Index in the BAT of payload block {@code block}: every full chunk before it adds one bitmap entry. */
    public long batIndex(long block) {
        return block + block / chunkRatio();
    }

    /** Index in the BAT of the sector bitmap entry of {@code chunk}. */
    public long sectorBitmapBatIndex(long chunk) {
        return chunk * (chunkRatio() + 1) + chunkRatio();
    }

    /** True when BAT index {@code index} holds a sector bitmap entry rather than a payload entry. */
    public boolean isSectorBitmapIndex(long index) {
        return index % (chunkRatio() + 1) == chunkRatio();
    }

    static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
