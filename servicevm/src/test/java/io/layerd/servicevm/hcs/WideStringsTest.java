package io.layerd.servicevm.hcs;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.WString;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WideStringsTest {
    private static final String PATH = "C:\\Layers\\ü\\kernel";

    private static byte[] bytesOf(Memory memory) {
        return memory.getByteArray(0, (int) memory.size());
    }

    @Test
    void nonAsciiPathIsUtf16LittleEndianWithOneNulUnit() {
        byte[] expected = HexFormat.of().parseHex(""
                + "43003a005c00" // C : \
                + "4c00610079006500720073005c00" // L a y e r s \
                + "fc005c00" // ü \
                + "6b00650072006e0065006c00" // k e r n e l
                + "0000");
        assertArrayEquals(expected, bytesOf(WideStrings.encode(PATH)));
    }

    @Test
    void sameUnitsAsJnaGivesAWideStringOnWindows() {
        // JNA hands a WString to Windows as its UTF-16 code units plus NUL (wchar_t is 16 bits there).
        char[] units = Native.toCharArray(new WString(PATH).toString());
        ByteArrayOutputStream littleEndian = new ByteArrayOutputStream();
        for (char unit : units) {
            littleEndian.write(unit & 0xFF);
            littleEndian.write(unit >>> 8);
        }
        assertEquals(0, units[units.length - 1]);
        assertArrayEquals(littleEndian.toByteArray(), bytesOf(WideStrings.encode(PATH)));
    }

    @Test
    void charactersOutsideTheBmpBecomeSurrogatePairs() {
        assertArrayEquals(HexFormat.of().parseHex("34d81edd0000"), bytesOf(WideStrings.encode("\uD834\uDD1E")));
    }

    @Test
    void decodeReadsUpToTheFirstNulUnit() {
        assertEquals(PATH, WideStrings.decode(WideStrings.encode(PATH)));
        assertEquals("", WideStrings.decode(WideStrings.encode("")));
        assertEquals("", WideStrings.decode(null));

        Memory twoStrings = new Memory(10);
        twoStrings.write(0, HexFormat.of().parseHex("610062000000630000 00".replace(" ", "")), 0, 10);
        assertEquals("ab", WideStrings.decode(twoStrings));
    }

    @Test
    void aNulByteInsideAUnitDoesNotEndTheString() {
        // U+0100 is bytes 00 01: only a whole zero unit terminates.
        assertEquals("\u0100x", WideStrings.decode(WideStrings.encode("\u0100x")));
    }

    @Test
    void nullStaysNull() {
        assertEquals(null, WideStrings.encode(null));
    }
}
