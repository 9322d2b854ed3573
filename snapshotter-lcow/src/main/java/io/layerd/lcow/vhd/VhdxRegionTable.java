package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The VHDX region table ([MS-VHDX] 2.2.3), stored twice, at 192 KiB and 256 KiB; both copies are identical.
 *
 * <p>Layout, little-endian: a 16-byte header followed by {@code EntryCount} {@link VhdxRegionTableEntry}s,
 * the rest of the 64 KiB reserved (zero).
 * <pre>
 *   0  Signature u32     0x69676572, "regi"
 *   4  Checksum u32      CRC-32C over the whole 64 KiB with this field zero
 *   8  EntryCount u32    at most 2047
 *  12  Reserved u32
 *  16  entries
 * </pre>
 */
public record VhdxRegionTable(int signature, int checksum, List<VhdxRegionTableEntry> entries) {

    static final int OFF_SIGNATURE = 0;
    static final int OFF_CHECKSUM = 4;
    static final int OFF_ENTRY_COUNT = 8;
    static final int OFF_ENTRIES = 16;

    /** Bytes the table occupies and the checksum covers: 64 KiB. */
    public static final int SIZE = 64 * 1024;
    /** Entries that fit after the 16-byte header: (65536 - 16) / 32 = 2047. */
    public static final int MAX_ENTRIES = (SIZE - OFF_ENTRIES) / VhdxRegionTableEntry.SIZE;

    /** "regi" read as a little-endian u32. */
    public static final int SIGNATURE = 0x69676572;

    public VhdxRegionTable {
        entries = List.copyOf(entries);
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("more than " + MAX_ENTRIES + " region table entries");
        }
    }

    /** A table of {@code entries} with a correct checksum. */
    public static VhdxRegionTable create(List<VhdxRegionTableEntry> entries) {
        VhdxRegionTable zeroed = new VhdxRegionTable(SIGNATURE, 0, entries);
        ByteBuffer buf = ByteBuffer.allocate(SIZE);
        zeroed.writeTo(buf);
        return new VhdxRegionTable(SIGNATURE, VhdxHeader.crc32c(buf.array()), entries);
    }

    /** Spec field EntryCount. */
    public int entryCount() {
        return entries.size();
    }

    /** The entry for the region {@code guid}, if present. */
    public Optional<VhdxRegionTableEntry> find(UUID guid) {
        return entries.stream().filter(e -> e.guid().equals(guid)).findFirst();
    }

    /** Writes the {@value #SIZE} bytes at the buffer's position and advances it. */
    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[SIZE]);
        b.putInt(OFF_SIGNATURE, signature);
        b.putInt(OFF_CHECKSUM, checksum);
        b.putInt(OFF_ENTRY_COUNT, entries.size());
        b.position(OFF_ENTRIES);
        for (VhdxRegionTableEntry e : entries) {
            e.writeTo(b);
        }
        dst.position(dst.position() + SIZE);
    }

    /**
     * Reads a table at the buffer's position (advancing it), validating Signature, Checksum, EntryCount
     * and that no two entries share a GUID.
     *
     * @param source names the file and copy in error messages
     */
    public static VhdxRegionTable read(ByteBuffer src, String source) throws IOException {
        if (src.remaining() < SIZE) {
            throw new IOException(source + ": truncated, the region table needs " + SIZE + " bytes");
        }
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int signature = b.getInt(OFF_SIGNATURE);
        if (signature != SIGNATURE) {
            throw new IOException(String.format("%s: field Signature is 0x%08X, expected 0x%08X (\"regi\")", source,
                    signature, SIGNATURE));
        }
        int stored = b.getInt(OFF_CHECKSUM);
        byte[] raw = new byte[SIZE];
        b.get(0, raw);
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putInt(OFF_CHECKSUM, 0);
        int computed = VhdxHeader.crc32c(raw);
        if (stored != computed) {
            throw new IOException(String.format(
                    "%s: field Checksum is 0x%08X but the CRC-32C of the region table is 0x%08X", source, stored,
                    computed));
        }
        long count = Integer.toUnsignedLong(b.getInt(OFF_ENTRY_COUNT));
        if (count > MAX_ENTRIES) {
            throw new IOException(source + ": field EntryCount is " + count + ", at most " + MAX_ENTRIES + " fit");
        }
        List<VhdxRegionTableEntry> entries = new ArrayList<>();
        b.position(OFF_ENTRIES);
        for (int i = 0; i < count; i++) {
            VhdxRegionTableEntry e = VhdxRegionTableEntry.read(b);
            for (VhdxRegionTableEntry seen : entries) {
                if (seen.guid().equals(e.guid())) {
                    throw new IOException(source + ": entry " + i + " field Guid " + e.guid() + " appears twice");
                }
            }
            entries.add(e);
        }
        src.position(src.position() + SIZE);
        return new VhdxRegionTable(signature, stored, entries);
    }
}
