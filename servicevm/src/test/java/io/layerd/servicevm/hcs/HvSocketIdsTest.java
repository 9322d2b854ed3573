package io.layerd.servicevm.hcs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HvSocketIdsTest {
    @ParameterizedTest(name = "port {0}")
    @CsvSource({
            "1073741824, 40000000-facb-11e6-bd58-64006a7986d3",
            "1, 00000001-facb-11e6-bd58-64006a7986d3",
            "109, 0000006d-facb-11e6-bd58-64006a7986d3",
            "2761, 00000ac9-facb-11e6-bd58-64006a7986d3",
            "0, 00000000-facb-11e6-bd58-64006a7986d3",
            "-1, ffffffff-facb-11e6-bd58-64006a7986d3",
            "-2147483648, 80000000-facb-11e6-bd58-64006a7986d3",
    })
    void portIsData1OfTheVsockTemplate(int port, String serviceId) {
        assertEquals(UUID.fromString(serviceId), HvSocketIds.serviceIdForPort(port));
    }

    @Test
    void bridgePortIsTheGcsPort() {
        assertEquals(0x40000000, HvSocketIds.BRIDGE_PORT);
        assertEquals("40000000-facb-11e6-bd58-64006a7986d3", HvSocketIds.serviceIdForPort(HvSocketIds.BRIDGE_PORT).toString());
    }
}
