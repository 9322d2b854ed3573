package io.layerd.cimfs.wclayer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code FILE_FULL_EA_INFORMATION} chain NTFS and CimFS store a file's extended attributes
 * in: per attribute NextEntryOffset (u32, 0 on the last), Flags (u8), EaNameLength (u8),
 * EaValueLength (u16), the ASCII name with a NUL, the value; entries but the last padded to 4
 * bytes. Attributes are written sorted by name so the same input gives the same bytes (a tar's
 * PAX records carry no order).
 */
public final class ExtendedAttributes {
    private static final int HEADER = 8;
    /** A CIM file entry's EA length is 16 bits, and EA names at most 0xFE bytes (NTFS's limits too). */
    static final int MAX_CHAIN = 0xFFFF;
    static final int MAX_NAME = 0xFE;

    private ExtendedAttributes() {
    }

    /** The chain of {@code attributes} (name → value); empty for none. */
    public static byte[] encode(Map<String, byte[]> attributes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int left = attributes.size();
        for (Map.Entry<String, byte[]> a : new TreeMap<>(attributes).entrySet()) {
            byte[] name = a.getKey().getBytes(StandardCharsets.US_ASCII);
            byte[] value = a.getValue();
            if (name.length == 0 || name.length > MAX_NAME || !isAscii(a.getKey())) {
                throw new IllegalArgumentException("extended attribute name \"" + a.getKey() + "\": 1 to " + MAX_NAME + " ASCII characters");
            }
            if (value.length > 0xFFFF) {
                throw new IllegalArgumentException("extended attribute \"" + a.getKey() + "\": a value of " + value.length
                        + " bytes is over 65535");
            }
            int size = HEADER + name.length + 1 + value.length;
            int padded = (size + 3) & ~3;
            boolean last = --left == 0;
            ByteBuffer b = ByteBuffer.allocate(last ? size : padded).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(last ? 0 : padded).put((byte) 0).put((byte) name.length).putShort((short) value.length).put(name).put((byte) 0).put(value);
            out.writeBytes(b.array());
        }
        if (out.size() > MAX_CHAIN) {
            throw new IllegalArgumentException("extended attributes of " + out.size() + " bytes: a file holds at most " + MAX_CHAIN);
        }
        return out.toByteArray();
    }

    /** The attributes of a chain, in stored order; bounds-checked. */
    public static Map<String, byte[]> decode(byte[] chain) {
        Map<String, byte[]> attributes = new java.util.LinkedHashMap<>();
        ByteBuffer b = ByteBuffer.wrap(chain).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        while (at < chain.length) {
            if (chain.length - at < HEADER) {
                throw new IllegalArgumentException("extended attributes: entry at " + at + " is cut short");
            }
            int next = b.getInt(at);
            int nameLength = b.get(at + 5) & 0xFF;
            int valueLength = b.getShort(at + 6) & 0xFFFF;
            if (at + HEADER + nameLength + 1 + valueLength > chain.length) {
                throw new IllegalArgumentException("extended attributes: entry at " + at + " runs past the end");
            }
            String name = new String(chain, at + HEADER, nameLength, StandardCharsets.US_ASCII);
            byte[] value = java.util.Arrays.copyOfRange(chain, at + HEADER + nameLength + 1, at + HEADER + nameLength + 1 + valueLength);
            attributes.put(name, value);
            if (next == 0) {
                break;
            }
            if (next < 0 || next < HEADER) {
                throw new IllegalArgumentException("extended attributes: bad next-entry offset " + next + " at " + at);
            }
            at += next;
        }
        return attributes;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7F);
    }
}
