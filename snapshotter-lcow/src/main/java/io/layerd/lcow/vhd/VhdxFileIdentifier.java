package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The VHDX File Type Identifier ([MS-VHDX] 2.2.1), the first structure of the file at offset 0.
 *
 * <p>Layout, little-endian:
 * <pre>
 *   0  Signature u64      0x656C696678646876, the ASCII bytes "vhdxfile"
 *   8  Creator[256]       UTF-16LE, optional, diagnostic only; NUL-padded
 * </pre>
 * The rest of the 64-KiB block it starts is reserved.
 */
public record VhdxFileIdentifier(String creator) {

    static final int OFF_SIGNATURE = 0;
    static final int OFF_CREATOR = 8;
    static final int CREATOR_CHARS = 256;

    /** Bytes of the structure: signature 8 + creator 256 UTF-16 code units x 2 = 520. */
    public static final int SIZE = OFF_CREATOR + CREATOR_CHARS * 2;

    /** "vhdxfile" read as a little-endian u64. */
    public static final long SIGNATURE = 0x656C696678646876L;

    public VhdxFileIdentifier {
        Objects.requireNonNull(creator, "creator");
        if (creator.length() > CREATOR_CHARS) {
            throw new IllegalArgumentException("Creator longer than " + CREATOR_CHARS + " UTF-16 code units");
        }
    }

    /** Writes the {@value #SIZE} bytes at the buffer's position and advances it. */
    public void writeTo(ByteBuffer dst) {
        ByteBuffer b = dst.slice(dst.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(OFF_SIGNATURE, SIGNATURE);
        byte[] name = creator.getBytes(StandardCharsets.UTF_16LE);
        b.put(OFF_CREATOR, new byte[CREATOR_CHARS * 2]);
        b.put(OFF_CREATOR, name);
        dst.position(dst.position() + SIZE);
    }

    /** Reads the identifier at the buffer's position (advancing it), validating Signature. */
    public static VhdxFileIdentifier read(ByteBuffer src, String source) throws IOException {
        if (src.remaining() < SIZE) {
            throw new IOException(source + ": file is too short for a VHDX file identifier");
        }
        ByteBuffer b = src.slice(src.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long signature = b.getLong(OFF_SIGNATURE);
        if (signature != SIGNATURE) {
            throw new IOException(String.format("%s: not a VHDX file: file identifier field Signature is 0x%016X,"
                    + " expected 0x%016X (\"vhdxfile\")", source, signature, SIGNATURE));
        }
        byte[] name = new byte[CREATOR_CHARS * 2];
        b.get(OFF_CREATOR, name);
        int length = 0;
        while (length < name.length && (name[length] != 0 || name[length + 1] != 0)) {
            length += 2;
        }
        src.position(src.position() + SIZE);
        return new VhdxFileIdentifier(new String(name, 0, length, StandardCharsets.UTF_16LE));
    }
}
