package io.layerd.core.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataRegionsTest {
    @TempDir
    Path dir;

    @Test
    void findsTheDataBetweenHolesOfASparseFile() throws Exception {
        Path f = dir.resolve("sparse");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(1L << 30);
            r.seek(0);
            r.write(new byte[4096]);
            r.seek(512L << 20);
            r.write(new byte[]{1});
        }
        List<DataRegions.Region> regions = DataRegions.of(f);
        assertEquals(2, regions.size(), regions.toString());
        assertEquals(0, regions.get(0).start());
        assertTrue(regions.get(1).start() <= (512L << 20) && regions.get(1).end() > (512L << 20), regions.toString());
        assertTrue(regions.get(1).end() < (1L << 30), "the trailing hole is no data: " + regions);
        Files.writeString(dir.resolve("empty"), "");
        assertEquals(List.of(), DataRegions.of(dir.resolve("empty")));
    }
}
