package io.layerd.cimfs.wclayer;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Windows structures a layer tar's records become, pinned byte for byte against values worked
 * out by hand from their documented layouts (the round-trip tests share this code with the
 * importer, so they alone could not catch a wrong layout).
 */
class WindowsFormatsTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void fileTimesCountHundredNanosecondsSince1601() {
        assertEquals(116_444_736_000_000_000L, FileTimes.of(Instant.EPOCH));
        assertEquals(125_911_584_000_000_000L, FileTimes.of(Instant.parse("2000-01-01T00:00:00Z")));
        assertEquals(116_444_736_010_000_001L, FileTimes.of(Instant.ofEpochSecond(1, 100)));
        assertEquals(Instant.ofEpochSecond(1, 100), FileTimes.toInstant(116_444_736_010_000_001L));
        assertEquals(Instant.ofEpochSecond(1, 500_000_000), FileTimes.parsePax("1.5"));
        assertEquals(Instant.ofEpochSecond(-2, 750_000_000), FileTimes.parsePax("-1.25"));
        assertEquals(Instant.ofEpochSecond(1600000000, 123456789), FileTimes.parsePax("1600000000.123456789"));
    }

    @Test
    void symlinkReparseBufferHasTheNtPathAndThePrintName() {
        byte[] expected = hex("0C0000A0 2800 0000 0000 1000 1200 0800 00000000"
                + "5C003F003F005C0043003A005C0078000000" // \??\C:\x NUL
                + "43003A005C0078000000");               // C:\x NUL
        assertArrayEquals(expected, new ReparsePoint("C:\\x", false).encode());
        assertEquals(new ReparsePoint("C:\\x", false), ReparsePoint.decode(expected));
        byte[] relative = new ReparsePoint("a", false).encode();
        assertEquals(1, relative[16], "relative symlinks carry flag 1");
        assertArrayEquals(hex("030000A0 1C00 0000 0000 0C00 0E00 0400 5C003F003F005C0043003A0000004300 3A000000"),
                new ReparsePoint("C:", true).encode(), "a mount point has no flags word");
        assertEquals("\\??\\UNC\\s\\x", new String(new ReparsePoint("\\\\s\\x", false).encode(), 20, 22,
                java.nio.charset.StandardCharsets.UTF_16LE));
        assertThrows(IllegalArgumentException.class, () -> ReparsePoint.decode(hex("01000080 0000 0000")));
    }

    @Test
    void extendedAttributesChainIsPaddedToFourBytesButTheLast() {
        Map<String, byte[]> eas = new LinkedHashMap<>();
        eas.put("BC", new byte[0]);
        eas.put("A", new byte[]{1});
        byte[] expected = hex("0C000000 00 01 0100 41 00 01 00" + "00000000 00 02 0000 4243 00");
        assertArrayEquals(expected, ExtendedAttributes.encode(eas), "sorted by name, padded, last entry unpadded");
        Map<String, byte[]> back = ExtendedAttributes.decode(expected);
        assertEquals(java.util.List.of("A", "BC"), java.util.List.copyOf(back.keySet()));
        assertArrayEquals(new byte[]{1}, back.get("A"));
        assertArrayEquals(new byte[0], ExtendedAttributes.encode(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ExtendedAttributes.decode(hex("0C000000 00 09 0100 41")));
        assertThrows(IllegalArgumentException.class, () -> ExtendedAttributes.encode(Map.of("Ü", new byte[0])));
    }

    @Test
    void sddlBecomesASelfRelativeDescriptor() {
        byte[] expected = hex("01 00 0480 30000000 00000000 00000000 14000000"  // rev, control, owner@48, group, sacl, dacl@20
                + "02 00 1C00 0100 0000"                                          // ACL: 28 bytes, one ACE
                + "00 00 1400 FF011F00 0101000000000001 00000000"                 // ACCESS_ALLOWED FA to Everyone
                + "0101000000000005 12000000");                                   // owner S-1-5-18
        assertArrayEquals(expected, Sddl.toSecurityDescriptor("O:SYD:(A;;FA;;;WD)"));
        byte[] protectedInherit = Sddl.toSecurityDescriptor("O:BAG:SYD:PAI(A;OICI;0x1200a9;;;S-1-5-32-545)");
        assertEquals(0x9404, (protectedInherit[2] & 0xFF) | (protectedInherit[3] & 0xFF) << 8, "self-relative, DACL present, protected, auto-inherited");
        assertArrayEquals(hex("01 00 0480 00000000 00000000 00000000 00000000"), Sddl.toSecurityDescriptor("D:NO_ACCESS_CONTROL"),
                "a null DACL: present, no ACL");
        assertThrows(IllegalArgumentException.class, () -> Sddl.toSecurityDescriptor("O:XX"));
        assertThrows(IllegalArgumentException.class, () -> Sddl.toSecurityDescriptor("D:(OA;;RP;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)"));
    }
}
