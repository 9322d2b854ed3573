package io.layerd.lcow.verity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;

/**
 * The dm-verity superblock ({@code struct verity_sb} in cryptsetup's {@code lib/verity/verity.c}) that
 * precedes the hash tree in the appendix hcsshim writes after the ext4 image.
 *
 * <p>On-disk layout, all integers little-endian:
 * <pre>
 *   0  signature[8]      "verity\0\0"
 *   8  version u32       1
 *  12  hash_type u32     1 = normal (salt prepended), 0 = Chrome OS
 *  16  uuid[16]          RFC 4122 byte order, as uuid_parse() produces it
 *  32  algorithm[32]     NUL-padded name, e.g. "sha256"
 *  64  data_block_size u32
 *  68  hash_block_size u32
 *  72  data_blocks u64
 *  80  salt_size u16     at most 256
 *  82  pad[6]
 *  88  salt[256]         salt_size bytes used, rest zero
 * 344  pad[168]
 * </pre>
 *
 * <p>The salt array is copied on the way in and out so the record stays immutable.
 */
public record VeritySuperblock(
        int version,
        int hashType,
        UUID uuid,
        String algorithm,
        int dataBlockSize,
        int hashBlockSize,
        long dataBlocks,
        byte[] salt) {

    /** "verity" followed by two NULs. */
    static final byte[] SIGNATURE = {'v', 'e', 'r', 'i', 't', 'y', 0, 0};

    static final int OFF_SIGNATURE = 0;
    static final int OFF_VERSION = 8;
    static final int OFF_HASH_TYPE = 12;
    static final int OFF_UUID = 16;
    static final int OFF_ALGORITHM = 32;
    static final int OFF_DATA_BLOCK_SIZE = 64;
    static final int OFF_HASH_BLOCK_SIZE = 68;
    static final int OFF_DATA_BLOCKS = 72;
    static final int OFF_SALT_SIZE = 80;
    static final int OFF_SALT = 88;

    static final int ALGORITHM_FIELD_SIZE = 32;
    /** Capacity of the salt field; cryptsetup rejects larger salts. */
    public static final int MAX_SALT_SIZE = 256;
    static final int TAIL_PAD_SIZE = 168;

    /**
     * Bytes the structure occupies: signature 8 + version 4 + hash_type 4 + uuid 16 + algorithm 32
     * + data_block_size 4 + hash_block_size 4 + data_blocks 8 + salt_size 2 + pad 6 + salt 256 + pad 168 = 512.
     */
    public static final int SIZE = OFF_SALT + MAX_SALT_SIZE + TAIL_PAD_SIZE;

    /** Only superblock version cryptsetup and the kernel tooling accept. */
    public static final int VERSION_1 = 1;
    /** Hash type 1: salt is prepended and every digest is padded to a power of two. */
    public static final int HASH_TYPE_NORMAL = 1;

    public VeritySuperblock {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(salt, "salt");
        if (algorithm.isEmpty() || algorithm.getBytes(StandardCharsets.US_ASCII).length > ALGORITHM_FIELD_SIZE) {
            throw new IllegalArgumentException("algorithm name must be 1.." + ALGORITHM_FIELD_SIZE + " ASCII bytes");
        }
        if (salt.length > MAX_SALT_SIZE) {
            throw new IllegalArgumentException("salt longer than " + MAX_SALT_SIZE + " bytes: " + salt.length);
        }
        if (dataBlocks < 0) {
            throw new IllegalArgumentException("negative dataBlocks: " + dataBlocks);
        }
        salt = salt.clone();
    }

    /** Superblock with the parameters hcsshim uses (version 1, hash type 1, sha256, 4 KiB blocks). */
    public static VeritySuperblock sha256(UUID uuid, long dataBlocks, byte[] salt) {
        return new VeritySuperblock(VERSION_1, HASH_TYPE_NORMAL, uuid, "sha256",
                VerityHashLayout.BLOCK_SIZE, VerityHashLayout.BLOCK_SIZE, dataBlocks, salt);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    /** Salt as lowercase hex, the form veritysetup and the dm-verity table take. */
    public String saltHex() {
        return HexFormat.of().formatHex(salt);
    }

    /**
     * Writes exactly {@link #SIZE} bytes at the buffer's position and advances it. The buffer's own byte
     * order is ignored: the format is little-endian regardless.
     */
    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        // Zero first: the pad fields and the unused salt tail must read as zeros.
        for (int i = 0; i < SIZE; i++) {
            b.put(i, (byte) 0);
        }
        b.put(OFF_SIGNATURE, SIGNATURE);
        b.putInt(OFF_VERSION, version);
        b.putInt(OFF_HASH_TYPE, hashType);
        // uuid_parse() stores the 16 bytes in textual (big-endian) order, independent of host order.
        b.order(ByteOrder.BIG_ENDIAN);
        b.putLong(OFF_UUID, uuid.getMostSignificantBits());
        b.putLong(OFF_UUID + Long.BYTES, uuid.getLeastSignificantBits());
        b.order(ByteOrder.LITTLE_ENDIAN);
        b.put(OFF_ALGORITHM, algorithm.getBytes(StandardCharsets.US_ASCII));
        b.putInt(OFF_DATA_BLOCK_SIZE, dataBlockSize);
        b.putInt(OFF_HASH_BLOCK_SIZE, hashBlockSize);
        b.putLong(OFF_DATA_BLOCKS, dataBlocks);
        b.putShort(OFF_SALT_SIZE, (short) salt.length);
        b.put(OFF_SALT, salt);
        dst.position(dst.position() + SIZE);
    }

    /**
     * Parses {@link #SIZE} bytes at the buffer's position and advances it.
     *
     * @throws IllegalArgumentException if the signature is wrong or the salt size exceeds the field
     */
    public static VeritySuperblock read(ByteBuffer src) {
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] signature = new byte[SIGNATURE.length];
        b.get(OFF_SIGNATURE, signature);
        if (!Arrays.equals(signature, SIGNATURE)) {
            throw new IllegalArgumentException("not a verity superblock: bad signature");
        }
        int version = b.getInt(OFF_VERSION);
        int hashType = b.getInt(OFF_HASH_TYPE);
        b.order(ByteOrder.BIG_ENDIAN);
        UUID uuid = new UUID(b.getLong(OFF_UUID), b.getLong(OFF_UUID + Long.BYTES));
        b.order(ByteOrder.LITTLE_ENDIAN);
        byte[] algorithmField = new byte[ALGORITHM_FIELD_SIZE];
        b.get(OFF_ALGORITHM, algorithmField);
        int nameLength = 0;
        while (nameLength < algorithmField.length && algorithmField[nameLength] != 0) {
            nameLength++;
        }
        String algorithm = new String(algorithmField, 0, nameLength, StandardCharsets.US_ASCII);
        int dataBlockSize = b.getInt(OFF_DATA_BLOCK_SIZE);
        int hashBlockSize = b.getInt(OFF_HASH_BLOCK_SIZE);
        long dataBlocks = b.getLong(OFF_DATA_BLOCKS);
        int saltSize = Short.toUnsignedInt(b.getShort(OFF_SALT_SIZE));
        if (saltSize > MAX_SALT_SIZE) {
            throw new IllegalArgumentException("verity superblock salt size " + saltSize + " exceeds " + MAX_SALT_SIZE);
        }
        byte[] salt = new byte[saltSize];
        b.get(OFF_SALT, salt);
        src.position(src.position() + SIZE);
        return new VeritySuperblock(version, hashType, uuid, algorithm, dataBlockSize, hashBlockSize, dataBlocks, salt);
    }

    // Records compare arrays by reference; the salt is part of the value, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof VeritySuperblock other
                && version == other.version
                && hashType == other.hashType
                && uuid.equals(other.uuid)
                && algorithm.equals(other.algorithm)
                && dataBlockSize == other.dataBlockSize
                && hashBlockSize == other.hashBlockSize
                && dataBlocks == other.dataBlocks
                && Arrays.equals(salt, other.salt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, hashType, uuid, algorithm, dataBlockSize, hashBlockSize, dataBlocks)
                * 31 + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "VeritySuperblock[version=" + version + ", hashType=" + hashType + ", uuid=" + uuid
                + ", algorithm=" + algorithm + ", dataBlockSize=" + dataBlockSize + ", hashBlockSize="
                + hashBlockSize + ", dataBlocks=" + dataBlocks + ", salt=" + saltHex() + "]";
    }
}
