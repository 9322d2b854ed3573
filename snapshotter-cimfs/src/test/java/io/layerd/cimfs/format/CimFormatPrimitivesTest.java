package io.layerd.cimfs.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CIM format's small pieces: region offsets, GUID bytes, the upcase collation, link tables. */
class CimFormatPrimitivesTest {
    private final UpcaseTable upcase = UpcaseTable.standard();

    @Test
    void regionOffsetsSplitIndexAndByteOffset() {
        long o = RegionOffset.of(3, 0x1234_5678_9ABCL);
        assertEquals(3, RegionOffset.regionIndex(o));
        assertEquals(0x1234_5678_9ABCL, RegionOffset.byteOffset(o));
        assertEquals(0x0003_1234_5678_9ABCL, o);
        assertThrows(IllegalArgumentException.class, () -> RegionOffset.of(0, 0), "byte 0 of a region is never addressable");
        assertThrows(IllegalArgumentException.class, () -> RegionOffset.of(0x10000, 8));
    }

    @Test
    void streamsPackSizeTypeAndSparseBitIntoOneWord() {
        Stream s = new Stream(RegionOffset.of(1, 4096), 5_000_000_000L, Stream.Type.PE_IMAGE, true);
        ByteBuffer b = ByteBuffer.wrap(s.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(RegionOffset.of(1, 4096), b.getLong(0));
        assertEquals(5_000_000_000L | (2L << 48) | (1L << 56), b.getLong(8));
        assertEquals(s, Stream.read(ByteBuffer.wrap(s.bytes())));
        byte[] badType = s.bytes();
        badType[14] = 3;
        assertThrows(CimFormatException.class, () -> Stream.read(ByteBuffer.wrap(badType)));
    }

    @Test
    void commonHeadersCarryMagicTypeAndVersion() {
        ByteBuffer b = ByteBuffer.allocate(CommonHeader.SIZE);
        CommonHeader.current(40, CommonHeader.FileType.REGION).write(b);
        assertEquals("cimfile0", new String(b.array(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
        CommonHeader h = CommonHeader.read(ByteBuffer.wrap(b.array()), "region_x_0");
        assertEquals(new CommonHeader(40, CommonHeader.FileType.REGION, 2, 0), h);
        byte[] v3 = b.array().clone();
        v3[16] = 3;
        CimFormatException e = assertThrows(CimFormatException.class, () -> CommonHeader.read(ByteBuffer.wrap(v3), "x.cim"));
        assertTrue(e.getMessage().contains("x.cim") && e.getMessage().contains("3.0"), e.getMessage());
        byte[] notCim = b.array().clone();
        notCim[0] = 'X';
        assertThrows(CimFormatException.class, () -> CommonHeader.read(ByteBuffer.wrap(notCim), "x.cim"));
    }

    @Test
    void guidsAreStoredMixedEndianAndNamedInLowerCase() {
        CimGuid g = CimGuid.parse("00112233-4455-6677-8899-aabbccddeeff");
        assertEquals("33221100" + "5544" + "7766" + "8899aabbccddeeff", HexFormat.of().formatHex(g.bytes()));
        assertEquals(g, CimGuid.read(ByteBuffer.wrap(g.bytes())));
        assertEquals("00112233-4455-6677-8899-aabbccddeeff", g.text());
        assertThrows(IllegalArgumentException.class, () -> CimGuid.parse("{00112233-4455-6677-8899-AABBCCDDEEFF}"));
    }

    @Test
    void namesCompareCaseInsensitivelyByCodePointWithPrefixesFirst() {
        assertEquals(0, upcase.compare("Windows", "WINDOWS"));
        assertEquals(0, upcase.compare("straße", "STRAßE"), "ß has no one-unit upper case: it stays");
        assertTrue(upcase.compare("abc", "abcd") < 0, "a proper prefix first");
        assertTrue(upcase.compare("a", "_") < 0, "through the table 'a' sorts as 'A' (0x41), before '_' (0x5F)");
        assertTrue(upcase.compare("\uD83D\uDE00", "\uFF3A") > 0, "U+1F600 sorts after U+FF3A by code point");
        assertTrue(upcase.compare("\uFF5A", "\uFF3A") == 0, "fullwidth z upper-cases to fullwidth Z");
        ByteBuffer b = ByteBuffer.allocate(UpcaseTable.BYTES);
        upcase.write(b);
        assertEquals(UpcaseTable.BYTES, b.position());
        b.flip();
        UpcaseTable read = UpcaseTable.read(b);
        assertEquals('A', read.upper('a'));
        assertEquals('\u00C9', read.upper('\u00E9'));
        assertThrows(CimFormatException.class, () -> UpcaseTable.read(ByteBuffer.allocate(100)));
    }

    @Test
    void linkTablesRoundTripAndBinarySearchFindsEveryName() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(List.of("Windows", "b", "A", "Program Files", "ärger", "Zeta", "zz", "_x", "\uD83D\uDE00.txt",
                "\uFF3A", "a.b", "a"));
        for (int i = 0; i < names.size(); i++) {
            entries.put(names.get(i), ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(100 + i).array());
        }
        assertThrows(IllegalArgumentException.class, () -> LinkTable.encode(entries, 4, upcase), "A and a differ only in case");
        entries.remove("a");
        byte[] bytes = LinkTable.encode(entries, 4, upcase);
        assertEquals(bytes.length, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0), "Length is the whole table");
        LinkTable t = LinkTable.decode(ByteBuffer.wrap(bytes), 4);
        assertEquals(entries.size(), t.size());
        for (int i = 1; i < t.size(); i++) {
            assertTrue(upcase.compare(t.name(i - 1), t.name(i)) < 0, t.name(i - 1) + " before " + t.name(i));
        }
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            int at = t.find(e.getKey().toUpperCase(java.util.Locale.ROOT), upcase); // any case finds it
            assertTrue(at >= 0, "found " + e.getKey());
            assertEquals(e.getKey(), t.name(at));
            assertArrayEquals(e.getValue(), t.value(at));
        }
        assertEquals(-1, t.find("missing", upcase));
    }

    @Test
    void damagedLinkTablesAreFormatErrorsNotCrashes() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("one", new byte[4]);
        entries.put("two", new byte[4]);
        byte[] good = LinkTable.encode(entries, 4, upcase);
        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x4000_0000);
        assertThrows(CimFormatException.class, () -> LinkTable.decode(ByteBuffer.wrap(hugeCount), 4));
        byte[] longLength = good.clone();
        ByteBuffer.wrap(longLength).order(ByteOrder.LITTLE_ENDIAN).putInt(0, good.length + 1);
        assertThrows(CimFormatException.class, () -> LinkTable.decode(ByteBuffer.wrap(longLength), 4));
        byte[] badName = good.clone();
        ByteBuffer.wrap(badName).order(ByteOrder.LITTLE_ENDIAN).putInt(8 + 2 * 4, good.length - 1);
        assertThrows(CimFormatException.class, () -> LinkTable.decode(ByteBuffer.wrap(badName), 4));
        assertThrows(CimFormatException.class, () -> LinkTable.decode(ByteBuffer.allocate(4), 4));
    }
}
