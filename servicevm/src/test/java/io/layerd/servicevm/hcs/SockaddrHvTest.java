package io.layerd.servicevm.hcs;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SockaddrHvTest {
    private static final UUID VM_ID = UUID.fromString("a42e7cda-d03f-480c-9cc2-a4de20abb878");
    private static final UUID BRIDGE = UUID.fromString("40000000-facb-11e6-bd58-64006a7986d3");

    @Test
    void layoutIsThe36BytesOfTheWindowsHeader() {
        SockaddrHv address = new SockaddrHv();

        assertEquals(36, address.size());
        assertEquals(36, SockaddrHv.SIZE);
        assertEquals(0, address.offsetOf("Family"));
        assertEquals(2, address.offsetOf("Reserved"));
        assertEquals(4, address.offsetOf("VmId"));
        assertEquals(20, address.offsetOf("ServiceId"));
    }

    @Test
    void bytesInMemoryAreFamilyReservedAndTwoWindowsGuids() {
        SockaddrHv address = SockaddrHv.of(VM_ID, BRIDGE);

        byte[] expected = HexFormat.of().parseHex(""
                + "2200" + "0000"                                   // Family 34 LE, Reserved 0
                + "da7c2ea4" + "3fd0" + "0c48" + "9cc2a4de20abb878" // VmId: Data1/2/3 LE, Data4 as is
                + "00000040" + "cbfa" + "e611" + "bd5864006a7986d3");
        assertArrayEquals(expected, address.getPointer().getByteArray(0, SockaddrHv.SIZE));
    }

    @Test
    void addressReadBackFromMemoryHasTheSameIds() {
        byte[] written = SockaddrHv.of(VM_ID, BRIDGE).getPointer().getByteArray(0, SockaddrHv.SIZE);

        SockaddrHv copy = new SockaddrHv();
        copy.getPointer().write(0, written, 0, written.length);
        copy.read();

        assertEquals(SockaddrHv.AF_HYPERV, copy.Family);
        assertEquals(0, copy.Reserved);
        assertEquals(VM_ID, copy.vmId());
        assertEquals(BRIDGE, copy.serviceId());
    }
}
