package io.layerd.cimfs.nativeapi;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Windows wide strings ({@code PCWSTR}): UTF-16LE code units ending in one NUL unit, built by
 * hand. JNA's {@code WString} would pass {@code wchar_t}, which is four bytes on Linux (where
 * these bindings are tested against a recorder library) and two on Windows; a {@link Memory}
 * of UTF-16LE bytes is the same on both.
 *
 * <p>Java strings are UTF-16 already, so every {@code char} is written as one code unit:
 * supplementary characters arrive as their surrogate pair, and a lone surrogate (which NTFS
 * names may hold) passes through unchanged instead of becoming {@code ?} as {@link
 * String#getBytes} would make it.
 */
public final class WideStrings {
    private static final int UNIT = 2;

    private WideStrings() {
    }

    /**
     * The text as NUL-terminated UTF-16LE in native memory, kept alive by the returned object;
     * {@code null} stays {@code null} (a NULL {@code PCWSTR}, which CimFS tells apart from "").
     *
     * @throws IllegalArgumentException if the text holds a NUL, which would silently cut the
     *     string short on the native side
     */
    public static Memory encode(String text) {
        if (text == null) {
            return null;
        }
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException("a wide string cannot hold NUL (at " + nul + "): " + text.replace('\0', '␀'));
        }
        byte[] units = new byte[(text.length() + 1) * UNIT];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            units[i * UNIT] = (byte) c;
            units[i * UNIT + 1] = (byte) (c >>> 8);
        }
        Memory memory = new Memory(units.length);
        memory.write(0, units, 0, units.length); // the last unit stays 0: the terminator
        return memory;
    }

    /** Reads UTF-16LE code units up to the first NUL unit; a NULL pointer reads as {@code null}. */
    public static String decode(Pointer text) {
        if (text == null) {
            return null;
        }
        StringBuilder s = new StringBuilder();
        for (long offset = 0; ; offset += UNIT) {
            // Two bytes, little-endian: Pointer.getChar would read a wchar_t (four bytes on Linux).
            char c = (char) ((text.getByte(offset) & 0xFF) | (text.getByte(offset + 1) & 0xFF) << 8);
            if (c == 0) {
                return s.toString();
            }
            s.append(c);
        }
    }
}
