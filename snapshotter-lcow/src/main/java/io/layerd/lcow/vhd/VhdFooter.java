package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;

/**
 * The 512-byte "Hard Disk Footer" of the Microsoft Virtual Hard Disk (VHD) format, as appended to an
 * ext4 image to make a fixed VHD ({@code layer.vhd}).
 *
 * <p>On-disk layout, every integer <b>big-endian</b>:
 * <pre>
 *   0  Cookie[8]               "conectix"
 *   8  Features u32            0x00000002 (the "reserved" bit the specification requires set)
 *  12  File Format Version u32 0x00010000
 *  16  Data Offset u64         0xFFFFFFFFFFFFFFFF for a fixed disk (no dynamic header)
 *  24  Time Stamp u32          seconds since 2000-01-01 00:00:00 UTC
 *  28  Creator Application[4]
 *  32  Creator Version u32
 *  36  Creator Host OS[4]      "Wi2k" = 0x5769326B for Windows
 *  40  Original Size u64       bytes
 *  48  Current Size u64        bytes
 *  56  Disk Geometry[4]        cylinders u16, heads u8, sectors per track u8
 *  60  Disk Type u32           2 = fixed
 *  64  Checksum u32            one's complement of the byte sum of the footer with this field zero
 *  68  Unique Id[16]           stored in RFC 4122 byte order (the bytes of the UUID, most significant first)
 *  84  Saved State u8
 *  85  Reserved[427]           zero
 * </pre>
 *
 * <p>{@link #writeTo} writes the components verbatim, including {@link #checksum()}, so a record read
 * from disk round-trips byte for byte; the factories compute a correct checksum.
 *
 * <p>Differences from hcsshim's {@code tar2ext4} footer (reference §6): the geometry is computed with the
 * specification's CHS algorithm instead of being left 0, and the creator fields name Hyper-V on Windows
 * ({@code "win "}, {@code "Wi2k"}) instead of zeros, because that is what makes readers size the disk from
 * Current Size: qemu's {@code vpc} driver ({@code vpc_ignore_current_size()} in {@code block/vpc.c})
 * uses Current Size only for the creators {@code "win "}, {@code "qem2"}, {@code "d2v "}, {@code "CTXS"}
 * and {@code "tap\0"} up to qemu 9.x (checked with qemu 7.2), and for every creator except
 * {@code "vpc "} and {@code "qemu"} since the 2025 change "vpc: Read images exported from Azure
 * correctly"; with anything else (including tar2ext4's zero creator on older qemu) it uses
 * cylinders x heads x sectors, which rounds the size down (to 0 for tar2ext4's zero geometry).
 * {@code "win "} is in the Current Size set of every qemu version and is what Hyper-V itself writes.
 * The time stamp stays 0, as in tar2ext4, so that the same data always yields the same footer.
 */
public record VhdFooter(
        String cookie,
        int features,
        int fileFormatVersion,
        long dataOffset,
        int timeStamp,
        String creatorApplication,
        int creatorVersion,
        String creatorHostOs,
        long originalSize,
        long currentSize,
        VhdDiskGeometry diskGeometry,
        int diskType,
        int checksum,
        UUID uniqueId,
        byte savedState) {

    static final int OFF_COOKIE = 0;
    static final int OFF_FEATURES = 8;
    static final int OFF_FILE_FORMAT_VERSION = 12;
    static final int OFF_DATA_OFFSET = 16;
    static final int OFF_TIME_STAMP = 24;
    static final int OFF_CREATOR_APPLICATION = 28;
    static final int OFF_CREATOR_VERSION = 32;
    static final int OFF_CREATOR_HOST_OS = 36;
    static final int OFF_ORIGINAL_SIZE = 40;
    static final int OFF_CURRENT_SIZE = 48;
    static final int OFF_DISK_GEOMETRY = 56;
    static final int OFF_DISK_TYPE = 60;
    static final int OFF_CHECKSUM = 64;
    static final int OFF_UNIQUE_ID = 68;
    static final int OFF_SAVED_STATE = 84;
    static final int OFF_RESERVED = 85;
    static final int RESERVED_SIZE = 427;

    /**
     * Bytes of the footer: cookie 8 + features 4 + version 4 + data offset 8 + time stamp 4 + creator
     * application 4 + creator version 4 + creator host OS 4 + original size 8 + current size 8 + geometry 4
     * + disk type 4 + checksum 4 + unique id 16 + saved state 1 + reserved 427 = 512.
     */
    public static final int SIZE = OFF_RESERVED + RESERVED_SIZE;

    /** VHD sector size; the sizes of a fixed disk are whole sectors. */
    public static final int SECTOR_SIZE = 512;

    public static final String COOKIE = "conectix";
    /** Bit 1 ("Reserved") must always be set. */
    public static final int FEATURES_RESERVED = 0x00000002;
    public static final int FILE_FORMAT_VERSION_1_0 = 0x00010000;
    /** A fixed disk has no dynamic disk header, which the specification encodes as all ones. */
    public static final long DATA_OFFSET_NONE = 0xFFFFFFFFFFFFFFFFL;
    /** Hyper-V; see the class comment for why qemu needs this value to report the exact size. */
    public static final String CREATOR_APPLICATION_HYPER_V = "win ";
    /** Version 10.0, the value tar2ext4 writes. */
    public static final int CREATOR_VERSION_10_0 = 0x000A0000;
    public static final String CREATOR_HOST_OS_WINDOWS = "Wi2k";
    public static final int DISK_TYPE_FIXED = 2;
    public static final int DISK_TYPE_DYNAMIC = 3;
    public static final int DISK_TYPE_DIFFERENCING = 4;

    public VhdFooter {
        requireAscii(cookie, 8, "Cookie");
        requireAscii(creatorApplication, 4, "Creator Application");
        requireAscii(creatorHostOs, 4, "Creator Host OS");
        Objects.requireNonNull(diskGeometry, "diskGeometry");
        Objects.requireNonNull(uniqueId, "uniqueId");
    }

    /** Footer for a fixed disk of {@code dataSize} bytes with a random Unique Id. */
    public static VhdFooter fixed(long dataSize) {
        return fixed(dataSize, UUID.randomUUID());
    }

    /**
     * Footer for a fixed disk whose data (the file before the footer) is {@code dataSize} bytes.
     *
     * @param dataSize bytes of data, a multiple of {@value #SECTOR_SIZE}
     * @param uniqueId the disk's Unique Id; pass a fixed value for reproducible output
     */
    public static VhdFooter fixed(long dataSize, UUID uniqueId) {
        if (dataSize < 0 || dataSize % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("fixed VHD data size must be a non-negative multiple of "
                    + SECTOR_SIZE + " bytes: " + dataSize);
        }
        VhdFooter unsummed = new VhdFooter(COOKIE, FEATURES_RESERVED, FILE_FORMAT_VERSION_1_0, DATA_OFFSET_NONE,
                0, CREATOR_APPLICATION_HYPER_V, CREATOR_VERSION_10_0, CREATOR_HOST_OS_WINDOWS, dataSize, dataSize,
                VhdDiskGeometry.forTotalSectors(dataSize / SECTOR_SIZE), DISK_TYPE_FIXED, 0, uniqueId, (byte) 0);
        return unsummed.withChecksum(unsummed.computeChecksum());
    }

    /** A copy with {@code checksum} replaced. */
    public VhdFooter withChecksum(int newChecksum) {
        return new VhdFooter(cookie, features, fileFormatVersion, dataOffset, timeStamp, creatorApplication,
                creatorVersion, creatorHostOs, originalSize, currentSize, diskGeometry, diskType, newChecksum,
                uniqueId, savedState);
    }

    /** The checksum the specification defines for these field values: ~(sum of all bytes with Checksum = 0). */
    public int computeChecksum() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        withChecksum(0).writeTo(buf);
        return checksumOf(buf.array());
    }

    /** One's complement of the unsigned byte sum, wrapping at 32 bits; the caller zeroes the checksum field. */
    static int checksumOf(byte[] footer) {
        int sum = 0;
        for (byte b : footer) {
            sum += b & 0xFF;
        }
        return ~sum;
    }

    /** Writes the {@value #SIZE} bytes at the buffer's position and advances it. */
    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.BIG_ENDIAN);
        b.put(OFF_COOKIE, cookie.getBytes(StandardCharsets.ISO_8859_1));
        b.putInt(OFF_FEATURES, features);
        b.putInt(OFF_FILE_FORMAT_VERSION, fileFormatVersion);
        b.putLong(OFF_DATA_OFFSET, dataOffset);
        b.putInt(OFF_TIME_STAMP, timeStamp);
        b.put(OFF_CREATOR_APPLICATION, creatorApplication.getBytes(StandardCharsets.ISO_8859_1));
        b.putInt(OFF_CREATOR_VERSION, creatorVersion);
        b.put(OFF_CREATOR_HOST_OS, creatorHostOs.getBytes(StandardCharsets.ISO_8859_1));
        b.putLong(OFF_ORIGINAL_SIZE, originalSize);
        b.putLong(OFF_CURRENT_SIZE, currentSize);
        b.putInt(OFF_DISK_GEOMETRY, diskGeometry.encode());
        b.putInt(OFF_DISK_TYPE, diskType);
        b.putInt(OFF_CHECKSUM, checksum);
        b.put(OFF_UNIQUE_ID, toBytes(uniqueId));
        b.put(OFF_SAVED_STATE, savedState);
        b.put(OFF_RESERVED, new byte[RESERVED_SIZE]);
        dst.position(dst.position() + SIZE);
    }

    /** The {@value #SIZE} bytes of the footer. */
    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        writeTo(buf);
        return buf.array();
    }

    /** Reads a footer at the buffer's position (advancing it), validating Cookie and Checksum. */
    public static VhdFooter read(ByteBuffer src) throws IOException {
        return read(src, "<buffer>");
    }

    /**
     * Reads a footer at the buffer's position (advancing it), validating Cookie and Checksum.
     *
     * @param source names the file in error messages
     */
    public static VhdFooter read(ByteBuffer src, String source) throws IOException {
        if (src.remaining() < SIZE) {
            throw new IOException(source + ": VHD footer needs " + SIZE + " bytes, only " + src.remaining()
                    + " available");
        }
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.BIG_ENDIAN);
        byte[] raw = new byte[SIZE];
        b.get(0, raw);
        String cookie = new String(raw, OFF_COOKIE, 8, StandardCharsets.ISO_8859_1);
        if (!COOKIE.equals(cookie)) {
            throw new IOException(source + ": VHD footer field Cookie is \"" + printable(cookie) + "\", expected \""
                    + COOKIE + "\" (not a VHD footer)");
        }
        int stored = b.getInt(OFF_CHECKSUM);
        ByteBuffer.wrap(raw).putInt(OFF_CHECKSUM, 0);
        int computed = checksumOf(raw);
        if (stored != computed) {
            throw new IOException(String.format("%s: VHD footer field Checksum is 0x%08X but the footer sums to 0x%08X"
                    + " (corrupt footer)", source, stored, computed));
        }
        byte[] id = new byte[16];
        b.get(OFF_UNIQUE_ID, id);
        VhdFooter footer = new VhdFooter(cookie, b.getInt(OFF_FEATURES), b.getInt(OFF_FILE_FORMAT_VERSION),
                b.getLong(OFF_DATA_OFFSET), b.getInt(OFF_TIME_STAMP),
                new String(raw, OFF_CREATOR_APPLICATION, 4, StandardCharsets.ISO_8859_1), b.getInt(OFF_CREATOR_VERSION),
                new String(raw, OFF_CREATOR_HOST_OS, 4, StandardCharsets.ISO_8859_1), b.getLong(OFF_ORIGINAL_SIZE),
                b.getLong(OFF_CURRENT_SIZE), VhdDiskGeometry.decode(b.getInt(OFF_DISK_GEOMETRY)),
                b.getInt(OFF_DISK_TYPE), stored, fromBytes(id), b.get(OFF_SAVED_STATE));
        src.position(src.position() + SIZE);
        return footer;
    }

    /** Reads and validates the footer in the last {@value #SIZE} bytes of {@code file}. */
    public static VhdFooter readFrom(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < SIZE) {
                throw new IOException(file + ": " + size + " bytes is too small to end in a " + SIZE
                        + "-byte VHD footer");
            }
            ByteBuffer buf = ByteBuffer.allocate(SIZE);
            while (buf.hasRemaining()) {
                if (ch.read(buf, size - SIZE + buf.position()) < 0) {
                    throw new IOException(file + ": unexpected end of file reading the VHD footer");
                }
            }
            return read(buf.flip(), file.toString());
        }
    }

    private static byte[] toBytes(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits())
                .array();
    }

    private static UUID fromBytes(byte[] id) {
        ByteBuffer b = ByteBuffer.wrap(id);
        return new UUID(b.getLong(), b.getLong());
    }

    private static void requireAscii(String value, int length, String field) {
        Objects.requireNonNull(value, field);
        if (value.length() != length || !StandardCharsets.ISO_8859_1.newEncoder().canEncode(value)) {
            throw new IllegalArgumentException(field + " must be exactly " + length + " single-byte characters: \""
                    + printable(value) + "\"");
        }
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return out.toString();
    }
}
