package io.layerd.lcow.vhd;

/**
 * One 64-bit entry of the VHDX Block Allocation Table ([MS-VHDX] 2.5.1).
 *
 * <pre>
 *  bits  0-2   State          payload or sector bitmap block state
 *  bits  3-19  Reserved
 *  bits 20-63  FileOffsetMB   file offset of the block in 1 MiB units
 * </pre>
 * The table itself is an array of these, little-endian. Because the offset is in MiB and starts at
 * bit 20, {@code raw & ~0xFFFFF} is directly the byte offset.
 */
public record VhdxBatEntry(int state, long fileOffsetMB) {

    /** Bytes of an entry: one u64 = 8. */
    public static final int SIZE = 8;

    /** Default state of a dynamic VHDX: nothing allocated; this implementation reads it as zeros. */
    public static final int PAYLOAD_BLOCK_NOT_PRESENT = 0;
    /** Contents undefined; read as zeros. */
    public static final int PAYLOAD_BLOCK_UNDEFINED = 1;
    /** Reads as zeros (qemu's default for unwritten blocks, {@code block_state_zero=on}). */
    public static final int PAYLOAD_BLOCK_ZERO = 2;
    /** Unmapped by a trim; read as zeros. */
    public static final int PAYLOAD_BLOCK_UNMAPPED = 3;
    /**
     * Value of PAYLOAD_BLOCK_UNMAPPED in the 0.95 draft of the specification; reserved in 1.00, but files
     * from that era exist, so it is read as zeros as qemu does ({@code PAYLOAD_BLOCK_UNMAPPED_v095}).
     */
    public static final int PAYLOAD_BLOCK_UNMAPPED_V095 = 5;
    /** The block's data is in the file at FileOffsetMB. */
    public static final int PAYLOAD_BLOCK_FULLY_PRESENT = 6;
    /** Differencing files only: the sector bitmap says which sectors come from this file. */
    public static final int PAYLOAD_BLOCK_PARTIALLY_PRESENT = 7;

    /** Sector bitmap block absent; the only valid state in fixed and dynamic files. */
    public static final int SB_BLOCK_NOT_PRESENT = 0;
    /** Sector bitmap block present (differencing files only). */
    public static final int SB_BLOCK_PRESENT = 6;

    static final int STATE_MASK = 0x7;
    static final int FILE_OFFSET_SHIFT = 20;
    /** FileOffsetMB is 44 bits wide. */
    static final long MAX_FILE_OFFSET_MB = (1L << 44) - 1;

    public VhdxBatEntry {
        if (state < 0 || state > STATE_MASK) {
            throw new IllegalArgumentException("State is 3 bits: " + state);
        }
        if (fileOffsetMB < 0 || fileOffsetMB > MAX_FILE_OFFSET_MB) {
            throw new IllegalArgumentException("FileOffsetMB is 44 bits: " + fileOffsetMB);
        }
    }

    /** A fully present payload block at {@code fileOffset} bytes (a multiple of 1 MiB). */
    public static VhdxBatEntry fullyPresent(long fileOffset) {
        if ((fileOffset & ((1L << FILE_OFFSET_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException("payload blocks are 1 MiB aligned: " + fileOffset);
        }
        return new VhdxBatEntry(PAYLOAD_BLOCK_FULLY_PRESENT, fileOffset >>> FILE_OFFSET_SHIFT);
    }

    /** The entry as stored (reserved bits zero). */
    public long encode() {
        return (fileOffsetMB << FILE_OFFSET_SHIFT) | state;
    }

    /** Decodes a stored entry; reserved bits are ignored. */
    public static VhdxBatEntry decode(long raw) {
        return new VhdxBatEntry((int) (raw & STATE_MASK), raw >>> FILE_OFFSET_SHIFT);
    }

    /** File offset in bytes. */
    public long fileOffset() {
        return fileOffsetMB << FILE_OFFSET_SHIFT;
    }

    /** Human-readable name of a payload block state, for messages. */
    public static String payloadStateName(int state) {
        return switch (state) {
            case PAYLOAD_BLOCK_NOT_PRESENT -> "PAYLOAD_BLOCK_NOT_PRESENT";
            case PAYLOAD_BLOCK_UNDEFINED -> "PAYLOAD_BLOCK_UNDEFINED";
            case PAYLOAD_BLOCK_ZERO -> "PAYLOAD_BLOCK_ZERO";
            case PAYLOAD_BLOCK_UNMAPPED -> "PAYLOAD_BLOCK_UNMAPPED";
            case PAYLOAD_BLOCK_UNMAPPED_V095 -> "PAYLOAD_BLOCK_UNMAPPED (0.95 value 5)";
            case PAYLOAD_BLOCK_FULLY_PRESENT -> "PAYLOAD_BLOCK_FULLY_PRESENT";
            case PAYLOAD_BLOCK_PARTIALLY_PRESENT -> "PAYLOAD_BLOCK_PARTIALLY_PRESENT";
            default -> "reserved state " + state;
        };
    }
}
