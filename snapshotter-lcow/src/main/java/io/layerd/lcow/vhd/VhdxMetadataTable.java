package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The VHDX metadata table ([MS-VHDX] 2.6.1), the first 64 KiB of the metadata region; the items it
 * points to follow it inside the region.
 *
 * <p>Layout, little-endian: a 32-byte header followed by {@code EntryCount} {@link VhdxMetadataTableEntry}s,
 * the rest of the 64 KiB reserved (zero). The table has no checksum; the region is updated through the log.
 * <pre>
 *   0  Signature u64     0x617461646174656D, "metadata"
 *   8  Reserved u16
 *  10  EntryCount u16    at most 2047
 *  12  Reserved2[20]
 *  32  entries
 * </pre>
 */
public record VhdxMetadataTable(List<VhdxMetadataTableEntry> entries) {

    static final int OFF_SIGNATURE = 0;
    static final int OFF_ENTRY_COUNT = 10;
    static final int OFF_ENTRIES = 32;

    /** Bytes reserved for the table at the start of the metadata region: 64 KiB. */
    public static final int SIZE = 64 * 1024;
    /** [MS-VHDX] limit on EntryCount. */
    public static final int MAX_ENTRIES = 2047;

    /** "metadata" read as a little-endian u64. */
    public static final long SIGNATURE = 0x617461646174656DL;

    public VhdxMetadataTable {
        entries = List.copyOf(entries);
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("more than " + MAX_ENTRIES + " metadata table entries");
        }
    }

    /** Spec field EntryCount. */
    public int entryCount() {
        return entries.size();
    }

    /** The entry for the item {@code itemId}, if present. */
    public Optional<VhdxMetadataTableEntry> find(UUID itemId) {
        return entries.stream().filter(e -> e.itemId().equals(itemId)).findFirst();
    }

    /** Writes the {@value #SIZE} bytes at the buffer's position and advances it. */
    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[SIZE]);
        b.putLong(OFF_SIGNATURE, SIGNATURE);
        b.putShort(OFF_ENTRY_COUNT, (short) entries.size());
        b.position(OFF_ENTRIES);
        for (VhdxMetadataTableEntry e : entries) {
            e.writeTo(b);
        }
        dst.position(dst.position() + SIZE);
    }

    /**
     * Reads the table at the buffer's position (advancing it), validating Signature, EntryCount and that no
     * item appears twice.
     *
     * @param source names the file in error messages
     */
    public static VhdxMetadataTable read(ByteBuffer src, String source) throws IOException {
        if (src.remaining() < SIZE) {
            throw new IOException(source + ": truncated, the metadata table needs " + SIZE + " bytes");
        }
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long signature = b.getLong(OFF_SIGNATURE);
        if (signature != SIGNATURE) {
            throw new IOException(String.format("%s: metadata table field Signature is 0x%016X, expected 0x%016X"
                    + " (\"metadata\")", source, signature, SIGNATURE));
        }
        int count = Short.toUnsignedInt(b.getShort(OFF_ENTRY_COUNT));
        if (count > MAX_ENTRIES) {
            throw new IOException(source + ": metadata table field EntryCount is " + count + ", at most "
                    + MAX_ENTRIES + " are allowed");
        }
        List<VhdxMetadataTableEntry> entries = new ArrayList<>();
        b.position(OFF_ENTRIES);
        for (int i = 0; i < count; i++) {
            VhdxMetadataTableEntry e = VhdxMetadataTableEntry.read(b);
            for (VhdxMetadataTableEntry seen : entries) {
                if (seen.itemId().equals(e.itemId()) && seen.isUser() == e.isUser()) {
                    throw new IOException(source + ": metadata table entry " + i + " field ItemId " + e.itemId()
                            + " appears twice");
                }
            }
            entries.add(e);
        }
        src.position(src.position() + SIZE);
        return new VhdxMetadataTable(entries);
    }
}
