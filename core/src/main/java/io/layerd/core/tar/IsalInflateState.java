package io.layerd.core.tar;

/**
 * The parts of ISA-L's {@code struct inflate_state} ({@code isa-l/igzip_lib.h}, library ABI 2,
 * {@code libisal.so.2}) that layerd reads and writes: byte offsets on x86-64 and the values they
 * take. The caller allocates the structure, so its size is part of the ABI too.
 */
final class IsalInflateState {
    /** {@code sizeof(struct inflate_state)}. */
    static final int SIZE = 87_368;

    /** {@code uint8_t *next_out}. */
    static final int NEXT_OUT = 0;
    /** {@code uint32_t avail_out}. */
    static final int AVAIL_OUT = 8;
    /** {@code uint8_t *next_in}. */
    static final int NEXT_IN = 16;
    /** {@code uint32_t avail_in}. */
    static final int AVAIL_IN = 32;
    /** {@code enum isal_block_state block_state}, after the two Huffman decoding tables. */
    static final int BLOCK_STATE = 21_160;
    /** {@code uint32_t crc_flag}: which wrapper around the deflate data is parsed and checked. */
    static final int CRC_FLAG = 21_172;

    /** {@code ISAL_GZIP}: parse the gzip header, check the CRC-32 and length of the trailer. */
    static final int CRC_FLAG_GZIP = 1;
    /** {@code ISAL_BLOCK_FINISH}: the stream (one gzip member) is complete and flushed. */
    static final int BLOCK_FINISH = 5;

    /** {@code ISAL_DECOMP_OK}: {@code isal_inflate} consumed what it could (negative results are errors). */
    static final int DECOMP_OK = 0;

    private IsalInflateState() {
    }

    /** What a negative {@code isal_inflate} result means. */
    static String error(int code) {
        return switch (code) {
            case -1 -> "invalid deflate block";
            case -2 -> "invalid deflate symbol";
            case -3 -> "invalid lookback distance";
            case -4 -> "invalid gzip header";
            case -5 -> "unsupported compression method in the gzip header";
            case -6 -> "CRC-32 or length in the gzip trailer does not match the data";
            default -> "inflate error " + code;
        };
    }
}
