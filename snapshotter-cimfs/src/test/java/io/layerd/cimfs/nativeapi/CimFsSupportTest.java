package io.layerd.cimfs.nativeapi;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The OS gates of the CimFS reference §4 as a table: build, revision, which DLLs load → each feature. */
class CimFsSupportTest {
    @ParameterizedTest(name = "{0}.{1} cimfs={2} cimwriter={3}")
    @CsvSource(delimiter = '|', textBlock = """
            # build | rev  | cimfs | cimwriter | cimfs | block | blockW | blockM | verified | verifiedW | verifiedM | merged | mergedW | mergedM
            19041   | 9999 | true  | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            20348   | 2030 | true  | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            20348   | 2031 | true  | false     | true  | false | false  | false  | false    | false     | false     | false  | false   | false
            20348   | 2031 | false | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            20348   | 2031 | true  | true      | true  | false | true   | false  | false    | true      | false     | false  | true    | false
            20349   | 9999 | true  | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            22621   | 9999 | true  | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            26099   | 9999 | true  | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            26100   | 0    | true  | false     | true  | false | false  | false  | false    | false     | false     | false  | false   | false
            26100   | 0    | false | true      | false | false | true   | false  | false    | true      | false     | false  | true    | false
            27765   | 0    | true  | false     | true  | false | false  | false  | false    | false     | false     | false  | false   | false
            27766   | 0    | true  | false     | true  | true  | true   | true   | false    | false     | false     | true   | true    | true
            27766   | 0    | false | false     | false | false | false  | false  | false    | false     | false     | false  | false   | false
            27799   | 0    | true  | true      | true  | true  | true   | true   | false    | true      | false     | true   | true    | true
            27800   | 0    | true  | false     | true  | true  | true   | true   | true     | true      | true      | true   | true    | true
            """)
    void gates(int build, int revision, boolean cimfsLoads, boolean cimwriterLoads, boolean cimFs, boolean block, boolean blockWrite,
               boolean blockMount, boolean verified, boolean verifiedWrite, boolean verifiedMount, boolean merged, boolean mergedWrite,
               boolean mergedMount) {
        CimFsSupport s = new CimFsSupport(build, revision, cimfsLoads, cimwriterLoads);
        assertEquals(cimFs, s.cimFs(), "cimFs");
        assertEquals(block, s.blockCim(), "blockCim");
        assertEquals(blockWrite, s.blockCimWrite(), "blockCimWrite");
        assertEquals(blockMount, s.blockCimMount(), "blockCimMount");
        assertEquals(verified, s.verifiedCim(), "verifiedCim");
        assertEquals(verifiedWrite, s.verifiedCimWrite(), "verifiedCimWrite");
        assertEquals(verifiedMount, s.verifiedCimMount(), "verifiedCimMount");
        assertEquals(merged, s.mergedCim(), "mergedCim");
        assertEquals(mergedWrite, s.mergedCimWrite(), "mergedCimWrite");
        assertEquals(mergedMount, s.mergedCimMount(), "mergedCimMount");
    }
}
