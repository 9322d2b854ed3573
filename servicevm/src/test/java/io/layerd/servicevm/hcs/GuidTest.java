package io.layerd.servicevm.hcs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HexFormat;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GuidTest {
    @Test
    void firstThreeFieldsAreLittleEndianTheLastEightBytesAsWritten() {
        UUID parent = UUID.fromString("a42e7cda-d03f-480c-9cc2-a4de20abb878");

        assertArrayEquals(HexFormat.of().parseHex("da7c2ea43fd00c489cc2a4de20abb878"), Guid.toWindowsBytes(parent));
    }

    @Test
    void distinctByteValuesLandWhereTheTableSays() {
        UUID uuid = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");

        assertArrayEquals(HexFormat.of().parseHex("33221100" + "5544" + "7766" + "8899aabbccddeeff"), Guid.toWindowsBytes(uuid));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "90db8b89-0d35-4f79-8ce9-49ea0ac8b7cd",
            "e0e16197-dd56-4a10-9195-5ee7a155a838",
            "80000000-8000-8000-8000-800000000000",
            "40000000-facb-11e6-bd58-64006a7986d3",
    })
    void roundTrip(String text) {
        UUID uuid = UUID.fromString(text);
        assertEquals(uuid, Guid.fromWindowsBytes(Guid.toWindowsBytes(uuid)));
    }

    @Test
    void randomRoundTrips() {
        for (int i = 0; i < 1000; i++) {
            UUID uuid = UUID.randomUUID();
            assertEquals(uuid, Guid.fromWindowsBytes(Guid.toWindowsBytes(uuid)));
        }
    }

    @Test
    void onlySixteenBytesAreAGuid() {
        assertThrows(IllegalArgumentException.class, () -> Guid.fromWindowsBytes(new byte[15]));
    }
}
