package io.layerd.lcow.verity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VerityHashLayoutTest {

    private static long[] levels(VerityHashLayout layout) {
        long[] sizes = new long[layout.levels()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = layout.levelBlocks(i);
        }
        return sizes;
    }

    @Test
    void singleBlockHasNoHashLevels() {
        VerityHashLayout layout = VerityHashLayout.of(1);
        assertEquals(0, layout.levels());
        assertEquals(0, layout.treeSize());
    }

    @ParameterizedTest(name = "{0} data blocks")
    @CsvSource({
        "2, 1",
        "127, 1",
        "128, 1",
        "129, 2:1",
        "16384, 128:1",
        "16385, 129:2:1",
        "10240, 80:1",
        // 128 GiB of 4 KiB blocks: 2^25 blocks -> 2^18 leaf blocks (1 GiB of digests).
        "33554432, 262144:2048:16:1",
    })
    void levelSizesMatchCryptsetupHashLevels(long dataBlocks, String expected) {
        long[] want = java.util.Arrays.stream(expected.split(":")).mapToLong(Long::parseLong).toArray();
        VerityHashLayout layout = VerityHashLayout.of(dataBlocks);
        assertArrayEquals(want, levels(layout));
        long sum = java.util.Arrays.stream(want).sum();
        assertEquals(sum, layout.treeBlocks());
        assertEquals(sum * 4096, layout.treeSize());
    }

    @Test
    void levelsAreStoredRootMostFirst() {
        VerityHashLayout layout = VerityHashLayout.of(16385); // levels 129, 2, 1 (leaf first)
        assertEquals(0, layout.levelTreeBlockOffset(2));
        assertEquals(1, layout.levelTreeBlockOffset(1));
        assertEquals(3, layout.levelTreeBlockOffset(0));
    }

    @Test
    void rejectsEmptyImage() {
        assertThrows(IllegalArgumentException.class, () -> VerityHashLayout.of(0));
    }
}
