package io.layerd.servicevm.hcs;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Windows wide strings ({@code PCWSTR}/{@code PWSTR}): UTF-16LE code units ending in one NUL
 * unit. Encoded by hand rather than through {@code wchar_t} mapping because {@code wchar_t} is
 * four bytes on Linux, where this code is tested.
 */
final class WideStrings {
    private static final int UNIT = 2;

    private WideStrings() {
    }

    /** The text as UTF-16LE plus a NUL unit, in native memory owned by the caller; null stays null. */
    static Memory encode(String text) {
        if (text == null) {
            return null;
        }
        byte[] units = text.getBytes(StandardCharsets.UTF_16LE);
        Memory memory = new Memory(units.length + UNIT);
        memory.write(0, units, 0, units.length);
        memory.setShort(units.length, (short) 0);
        return memory;
    }

    /** Reads UTF-16LE units up to the first NUL unit; a null pointer reads as the empty string. */
    static String decode(Pointer text) {
        if (text == null) {
            return "";
        }
        ByteArrayOutputStream units = new ByteArrayOutputStream();
        for (long offset = 0; ; offset += UNIT) {
            byte low = text.getByte(offset);
            byte high = text.getByte(offset + 1);
            if (low == 0 && high == 0) {
                return units.toString(StandardCharsets.UTF_16LE);
            }
            units.write(low);
            units.write(high);
        }
    }
}
