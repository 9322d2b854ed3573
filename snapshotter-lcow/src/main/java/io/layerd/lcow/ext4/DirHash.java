package io.layerd.lcow.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.UUID;

/**
 * The ext4 directory-index name hashes: {@code legacy}, {@code half_md4} and {@code tea}, each in
 * the signed-char and unsigned-char flavour (hash versions 0..5, as in the kernel's
 * {@code fs/ext4/hash.c} and e2fsprogs' {@code lib/ext2fs/dirhash.c}).
 *
 * <p>The signed/unsigned split exists because the original C code fed {@code char} values into
 * the arithmetic, and {@code char} is signed on x86 but unsigned on ARM/PowerPC, so name bytes
 * {@code >= 0x80} hashed differently per architecture. The superblock flags
 * {@code EXT2_FLAGS_SIGNED_HASH}/{@code EXT2_FLAGS_UNSIGNED_HASH} record which one a file system
 * uses; a directory's dx_root stores only 0..2 and readers add 3 when the unsigned flag is set.
 * For pure ASCII names both flavours agree.
 *
 * <p>The seed is the superblock's {@code s_hash_seed} as four 32-bit words. An all-zero seed
 * means "use the default seed" (the MD4 initial state), exactly as the kernel does; the legacy
 * hash ignores the seed.
 *
 * <p>Pure function of its inputs: no I/O, no logging.
 */
public final class DirHash {
    /** {@code DX_HASH_LEGACY}: the original r5-like hack hash, 31 significant bits, no minor. */
    public static final int LEGACY = 0;
    /** {@code DX_HASH_HALF_MD4}: ext4's default (mke2fs {@code hash_alg = half_md4}). */
    public static final int HALF_MD4 = 1;
    /** {@code DX_HASH_TEA}: TEA in a Davies-Meyer construction. */
    public static final int TEA = 2;
    /** {@link #LEGACY} over unsigned name bytes. */
    public static final int LEGACY_UNSIGNED = 3;
    /** {@link #HALF_MD4} over unsigned name bytes. */
    public static final int HALF_MD4_UNSIGNED = 4;
    /** {@link #TEA} over unsigned name bytes. */
    public static final int TEA_UNSIGNED = 5;

    /** Distance between a hash version and its unsigned-char twin ({@code LEGACY + 3} etc.). */
    public static final int UNSIGNED_OFFSET = LEGACY_UNSIGNED - LEGACY;

    /** {@code s_hash_seed} is {@code __le32[4]}. */
    public static final int SEED_WORDS = 4;
    /** On-disk size of {@code s_hash_seed}: 4 words * 4 bytes = 16 bytes (same size as a UUID). */
    public static final int SEED_SIZE = SEED_WORDS * Integer.BYTES;

    /** The kernel's default seed for an all-zero {@code s_hash_seed}: MD4's initial state. */
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    /**
     * {@code EXT4_HTREE_EOF_32BIT}: 32-bit readdir cookies are {@code major >> 1}, and
     * 0x7fffffff is reserved to mean "end of directory". The kernel therefore maps the one major
     * hash that would produce it, 0xfffffffe, to the next lower even value so that a name never
     * looks like EOF. e2fsprogs' {@code ext2fs_dirhash} does not do this, but lookups are done by
     * the kernel, so entries must be placed under the kernel's value.
     */
    private static final int HTREE_EOF_32BIT = 0x7fffffff;
    private static final int EOF_MAJOR = HTREE_EOF_32BIT << 1;
    private static final int EOF_MAJOR_REPLACEMENT = (HTREE_EOF_32BIT - 1) << 1;

    /** half_md4 consumes the name in 32-byte chunks (8 words of input per transform). */
    private static final int HALF_MD4_CHUNK_WORDS = 8;
    /** TEA consumes the name in 16-byte chunks (4 words of input per transform). */
    private static final int TEA_CHUNK_WORDS = 4;

    private DirHash() {
    }

    /**
     * A name's hash pair. {@code major} always has bit 0 clear: the htree reserves that bit in
     * dx_entry hashes to mark "this leaf continues a run of equal hashes from the previous one".
     * Both values are unsigned 32-bit quantities carried in {@code int}s; ordering is unsigned,
     * major first, as the kernel and e2fsck sort them.
     */
    public record Hash(int major, int minor) implements Comparable<Hash> {
        @Override
        public int compareTo(Hash o) {
            int c = Integer.compareUnsigned(major, o.major);
            return c != 0 ? c : Integer.compareUnsigned(minor, o.minor);
        }

        @Override
        public String toString() {
            return String.format("Hash[major=0x%08x, minor=0x%08x]", major, minor);
        }
    }

    /** True for the versions that read name bytes as unsigned (3, 4, 5). */
    public static boolean isUnsigned(int version) {
        checkVersion(version);
        return version >= LEGACY_UNSIGNED;
    }

    /**
     * Hashes {@code name} with hash version {@code version} (0..5) and {@code seed}
     * ({@link #SEED_WORDS} words; all zero selects the default seed).
     *
     * @throws IllegalArgumentException for an unknown version or a seed of the wrong length
     */
    public static Hash hash(int version, byte[] name, int[] seed) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(seed, "seed");
        checkVersion(version);
        if (seed.length != SEED_WORDS) {
            throw new IllegalArgumentException("hash seed must have " + SEED_WORDS + " words, got " + seed.length);
        }
        boolean unsigned = version >= LEGACY_UNSIGNED;
        int major;
        int minor = 0;
        // 0 and 3 are legacy, 1 and 4 half_md4, 2 and 5 tea; only the byte signedness differs.
        switch (version % UNSIGNED_OFFSET) {
            case LEGACY -> major = legacyHash(name, unsigned);
            case HALF_MD4 -> {
                int[] buf = initialState(seed);
                int[] in = new int[HALF_MD4_CHUNK_WORDS];
                int chunk = HALF_MD4_CHUNK_WORDS * Integer.BYTES;
                for (int off = 0; off < name.length; off += chunk) {
                    str2hashbuf(name, off, name.length - off, in, HALF_MD4_CHUNK_WORDS, unsigned);
                    halfMd4Transform(buf, in);
                }
                // The kernel takes word 1 ("most hashed") as major and word 2 as minor.
                major = buf[1];
                minor = buf[2];
            }
            case TEA -> {
                int[] buf = initialState(seed);
                int[] in = new int[TEA_CHUNK_WORDS];
                int chunk = TEA_CHUNK_WORDS * Integer.BYTES;
                for (int off = 0; off < name.length; off += chunk) {
                    str2hashbuf(name, off, name.length - off, in, TEA_CHUNK_WORDS, unsigned);
                    teaTransform(buf, in);
                }
                major = buf[0];
                minor = buf[1];
            }
            default -> throw new AssertionError(version);
        }
        major &= ~1;
        if (major == EOF_MAJOR) {
            major = EOF_MAJOR_REPLACEMENT;
        }
        return new Hash(major, minor);
    }

    /**
     * Decodes {@code s_hash_seed} from its 16 on-disk bytes (four little-endian words).
     */
    public static int[] seedFromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != SEED_SIZE) {
            throw new IllegalArgumentException("hash seed must be " + SEED_SIZE + " bytes, got " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] seed = new int[SEED_WORDS];
        for (int i = 0; i < SEED_WORDS; i++) {
            seed[i] = b.getInt();
        }
        return seed;
    }

    /** Encodes a seed as the 16 bytes to store in {@code s_hash_seed} (little-endian words). */
    public static byte[] seedToBytes(int[] seed) {
        Objects.requireNonNull(seed, "seed");
        if (seed.length != SEED_WORDS) {
            throw new IllegalArgumentException("hash seed must have " + SEED_WORDS + " words, got " + seed.length);
        }
        ByteBuffer b = ByteBuffer.allocate(SEED_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : seed) {
            b.putInt(w);
        }
        return b.array();
    }

    /**
     * The seed that e2fsprogs means by a UUID-form seed ({@code mke2fs -E hash_seed=},
     * {@code debugfs dx_hash -s}, {@code dumpe2fs}' "Directory Hash Seed"): the UUID's 16 bytes
     * in their usual big-endian text order are the on-disk {@code s_hash_seed} bytes.
     */
    public static int[] seedFromUuid(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        ByteBuffer b = ByteBuffer.allocate(SEED_SIZE).order(ByteOrder.BIG_ENDIAN);
        b.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return seedFromBytes(b.array());
    }

    /** The inverse of {@link #seedFromUuid}. */
    public static UUID seedToUuid(int[] seed) {
        ByteBuffer b = ByteBuffer.wrap(seedToBytes(seed)).order(ByteOrder.BIG_ENDIAN);
        return new UUID(b.getLong(), b.getLong());
    }

    private static void checkVersion(int version) {
        if (version < LEGACY || version > TEA_UNSIGNED) {
            throw new IllegalArgumentException("unsupported directory hash version " + version
                    + " (expected " + LEGACY + ".." + TEA_UNSIGNED + ")");
        }
    }

    private static int[] initialState(int[] seed) {
        for (int w : seed) {
            if (w != 0) {
                return seed.clone();
            }
        }
        return DEFAULT_SEED.clone();
    }

    /** The "dx_hack_hash": only the low 31 bits of hash0 matter, shifted up to clear bit 0. */
    private static int legacyHash(byte[] name, boolean unsigned) {
        int hash0 = 0x12a3fe2d;
        int hash1 = 0x37abe8f9;
        for (byte b : name) {
            int c = unsigned ? b & 0xff : b;
            int hash = hash1 + (hash0 ^ (c * 7152373));
            if ((hash & 0x80000000) != 0) {
                hash -= 0x7fffffff;
            }
            hash1 = hash0;
            hash0 = hash;
        }
        return hash0 << 1;
    }

    /**
     * Packs up to {@code num * 4} bytes of the name tail starting at {@code off} into
     * {@code num} big-endian-ish words, as {@code str2hashbuf_*}: each word accumulates four
     * bytes with {@code val = c + (val << 8)} starting from a padding word derived from the
     * REMAINING length (not the chunk length), and unused words are filled with that padding.
     * The signed variant sign-extends each byte before adding, which is where versions 0..2 and
     * 3..5 diverge.
     */
    private static void str2hashbuf(byte[] msg, int off, int remaining, int[] buf, int num, boolean unsigned) {
        int pad = remaining | (remaining << 8);
        pad |= pad << 16;
        int val = pad;
        int len = Math.min(remaining, num * Integer.BYTES);
        int out = 0;
        for (int i = 0; i < len; i++) {
            int c = unsigned ? msg[off + i] & 0xff : msg[off + i];
            val = c + (val << 8);
            if ((i % Integer.BYTES) == Integer.BYTES - 1) {
                buf[out++] = val;
                val = pad;
                num--;
            }
        }
        if (--num >= 0) {
            buf[out++] = val;
        }
        while (--num >= 0) {
            buf[out++] = pad;
        }
    }

    private static final int TEA_DELTA = 0x9E3779B9;
    private static final int TEA_ROUNDS = 16;

    private static void teaTransform(int[] buf, int[] in) {
        int sum = 0;
        int b0 = buf[0];
        int b1 = buf[1];
        int a = in[0];
        int b = in[1];
        int c = in[2];
        int d = in[3];
        for (int n = 0; n < TEA_ROUNDS; n++) {
            sum += TEA_DELTA;
            b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >>> 5) + b);
            b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >>> 5) + d);
        }
        buf[0] += b0;
        buf[1] += b1;
    }

    // MD4 round constants: K2 = floor(2^30 * sqrt(2)), K3 = floor(2^30 * sqrt(3)) (RFC 1320).
    private static final int K1 = 0;
    private static final int K2 = 0x5A827999;
    private static final int K3 = 0x6ED9EBA1;

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    /** The cut-down MD4 of lib/halfmd4.c: three rounds of eight steps over eight input words. */
    private static void halfMd4Transform(int[] buf, int[] in) {
        int a = buf[0];
        int b = buf[1];
        int c = buf[2];
        int d = buf[3];

        a = Integer.rotateLeft(a + f(b, c, d) + in[0] + K1, 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1] + K1, 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2] + K1, 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3] + K1, 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4] + K1, 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5] + K1, 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6] + K1, 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7] + K1, 19);

        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + K2, 13);

        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + K3, 15);

        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }
}
