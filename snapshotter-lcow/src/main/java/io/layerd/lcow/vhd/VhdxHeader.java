package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * One of the two VHDX headers ([MS-VHDX] 2.2.2), stored at file offsets 64 KiB and 128 KiB.
 *
 * <p>Layout, little-endian, GUIDs in Microsoft byte order ({@link MsGuid}):
 * <pre>
 *   0  Signature u32        0x64616568, "head"
 *   4  Checksum u32         CRC-32C over the whole 4-KiB structure with this field zero
 *   8  SequenceNumber u64   the valid header with the larger value is the current one
 *  16  FileWriteGuid        changed before the first modification of each writable session
 *  32  DataWriteGuid        changed before the first user-visible modification of each session
 *  48  LogGuid              zero = no log entries to replay
 *  64  LogVersion u16       0
 *  66  Version u16          1
 *  68  LogLength u32        multiple of 1 MiB
 *  72  LogOffset u64        multiple of 1 MiB, at least 1 MiB
 *  80  Reserved[4016]       zero
 * </pre>
 *
 * <p>{@link #writeTo} writes the components verbatim; {@link #create} and the {@code with...} methods
 * return records whose {@link #checksum()} is correct for their fields.
 */
public record VhdxHeader(
        int signature,
        int checksum,
        long sequenceNumber,
        UUID fileWriteGuid,
        UUID dataWriteGuid,
        UUID logGuid,
        int logVersion,
        int version,
        long logLength,
        long logOffset) {

    static final int OFF_SIGNATURE = 0;
    static final int OFF_CHECKSUM = 4;
    static final int OFF_SEQUENCE_NUMBER = 8;
    static final int OFF_FILE_WRITE_GUID = 16;
    static final int OFF_DATA_WRITE_GUID = 32;
    static final int OFF_LOG_GUID = 48;
    static final int OFF_LOG_VERSION = 64;
    static final int OFF_VERSION = 66;
    static final int OFF_LOG_LENGTH = 68;
    static final int OFF_LOG_OFFSET = 72;
    static final int OFF_RESERVED = 80;

    /**
     * Bytes the checksum covers and the structure occupies: signature 4 + checksum 4 + sequence 8 + three
     * GUIDs 3 x 16 + log version 2 + version 2 + log length 4 + log offset 8 + reserved 4016 = 4096.
     */
    public static final int SIZE = OFF_RESERVED + 4016;

    /** "head" read as a little-endian u32. */
    public static final int SIGNATURE = 0x64616568;
    /** The only log format version [MS-VHDX] defines. */
    public static final int LOG_VERSION_0 = 0;
    /** The only file format version [MS-VHDX] defines. */
    public static final int VERSION_1 = 1;

    public VhdxHeader {
        Objects.requireNonNull(fileWriteGuid, "fileWriteGuid");
        Objects.requireNonNull(dataWriteGuid, "dataWriteGuid");
        Objects.requireNonNull(logGuid, "logGuid");
        if (logVersion < 0 || logVersion > 0xFFFF || version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("LogVersion and Version are u16");
        }
        if (logLength < 0 || logLength > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("LogLength is a u32: " + logLength);
        }
    }

    /** A version-1 header with an empty log ({@code LogGuid} zero) and a correct checksum. */
    public static VhdxHeader create(long sequenceNumber, UUID fileWriteGuid, UUID dataWriteGuid, long logOffset,
            long logLength) {
        return new VhdxHeader(SIGNATURE, 0, sequenceNumber, fileWriteGuid, dataWriteGuid, MsGuid.ZERO, LOG_VERSION_0,
                VERSION_1, logLength, logOffset).withComputedChecksum();
    }

    /** The header a session writes next: sequence + 1, the given write GUIDs, checksum recomputed. */
    public VhdxHeader next(UUID newFileWriteGuid, UUID newDataWriteGuid) {
        return new VhdxHeader(signature, 0, sequenceNumber + 1, newFileWriteGuid, newDataWriteGuid, logGuid,
                logVersion, version, logLength, logOffset).withComputedChecksum();
    }

    /** A copy with {@code LogGuid} replaced and the checksum recomputed. */
    public VhdxHeader withLogGuid(UUID newLogGuid) {
        return new VhdxHeader(signature, 0, sequenceNumber, fileWriteGuid, dataWriteGuid, newLogGuid, logVersion,
                version, logLength, logOffset).withComputedChecksum();
    }

    /** A copy whose {@code checksum} is the CRC-32C of its encoding. */
    public VhdxHeader withComputedChecksum() {
        VhdxHeader zeroed = new VhdxHeader(signature, 0, sequenceNumber, fileWriteGuid, dataWriteGuid, logGuid,
                logVersion, version, logLength, logOffset);
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        zeroed.writeTo(buf);
        return new VhdxHeader(signature, crc32c(buf.array()), sequenceNumber, fileWriteGuid, dataWriteGuid, logGuid,
                logVersion, version, logLength, logOffset);
    }

    /** Writes the {@value #SIZE} bytes (reserved bytes zero) at the buffer's position and advances it. */
    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[SIZE]);
        b.putInt(OFF_SIGNATURE, signature);
        b.putInt(OFF_CHECKSUM, checksum);
        b.putLong(OFF_SEQUENCE_NUMBER, sequenceNumber);
        MsGuid.put(b, OFF_FILE_WRITE_GUID, fileWriteGuid);
        MsGuid.put(b, OFF_DATA_WRITE_GUID, dataWriteGuid);
        MsGuid.put(b, OFF_LOG_GUID, logGuid);
        b.putShort(OFF_LOG_VERSION, (short) logVersion);
        b.putShort(OFF_VERSION, (short) version);
        b.putInt(OFF_LOG_LENGTH, (int) logLength);
        b.putLong(OFF_LOG_OFFSET, logOffset);
        dst.position(dst.position() + SIZE);
    }

    /**
     * Reads a header at the buffer's position (advancing it), validating Signature, Checksum and Version.
     *
     * @param source names the file and header in error messages
     */
    public static VhdxHeader read(ByteBuffer src, String source) throws IOException {
        if (src.remaining() < SIZE) {
            throw new IOException(source + ": truncated, a VHDX header needs " + SIZE + " bytes");
        }
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int signature = b.getInt(OFF_SIGNATURE);
        if (signature != SIGNATURE) {
            throw new IOException(String.format("%s: field Signature is 0x%08X, expected 0x%08X (\"head\")", source,
                    signature, SIGNATURE));
        }
        int stored = b.getInt(OFF_CHECKSUM);
        byte[] raw = new byte[SIZE];
        b.get(0, raw);
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putInt(OFF_CHECKSUM, 0);
        int computed = crc32c(raw);
        if (stored != computed) {
            throw new IOException(String.format("%s: field Checksum is 0x%08X but the CRC-32C of the header is 0x%08X",
                    source, stored, computed));
        }
        int version = Short.toUnsignedInt(b.getShort(OFF_VERSION));
        if (version != VERSION_1) {
            throw new IOException(source + ": field Version is " + version + ", only " + VERSION_1 + " is defined");
        }
        VhdxHeader header = new VhdxHeader(signature, stored, b.getLong(OFF_SEQUENCE_NUMBER),
                MsGuid.get(b, OFF_FILE_WRITE_GUID), MsGuid.get(b, OFF_DATA_WRITE_GUID), MsGuid.get(b, OFF_LOG_GUID),
                Short.toUnsignedInt(b.getShort(OFF_LOG_VERSION)), version,
                Integer.toUnsignedLong(b.getInt(OFF_LOG_LENGTH)), b.getLong(OFF_LOG_OFFSET));
        src.position(src.position() + SIZE);
        return header;
    }

    /** True when LogGuid is non-zero, i.e. the log may hold entries that must be replayed before use. */
    public boolean hasActiveLog() {
        return !MsGuid.ZERO.equals(logGuid);
    }

    static int crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }
}
