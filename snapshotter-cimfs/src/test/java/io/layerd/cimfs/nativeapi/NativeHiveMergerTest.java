package io.layerd.cimfs.nativeapi;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link OffregHiveMerger} through the offreg functions of the recorder (Win32 errors, not HRESULTs). */
class NativeHiveMergerTest {
    @TempDir
    Path dir;
    private NativeRecorder recorder;
    private OffregHiveMerger merger;
    private Path parent;
    private Path layer;

    @BeforeEach
    void start() throws IOException {
        recorder = NativeRecorder.start(dir);
        merger = new OffregHiveMerger(NativeRecorder.bind(OffregApi.class), 10, 0);
        parent = Files.createDirectories(dir.resolve("parent").resolve("Hives"));
        layer = Files.createDirectories(dir.resolve("layer").resolve("Hives"));
    }

    @Test
    void eachDeltaIsMergedOverTheParentsBaseAndSavedAsTheLayersBase() throws IOException {
        Files.writeString(layer.resolve("SYSTEM_DELTA"), "delta");
        Files.writeString(layer.resolve("DEFAULTUSER_DELTA"), "delta");
        List<Path> written = merger.mergeLayer(parent.getParent(), layer.getParent());
        assertEquals(List.of(layer.resolve("SYSTEM_BASE"), layer.resolve("DEFAULTUSER_BASE")), written);
        assertEquals(List.of("OROpenHive", "OROpenHive", "ORMergeHives", "ORSaveHive", "ORCloseHive", "ORCloseHive", "ORCloseHive",
                "OROpenHive", "OROpenHive", "ORMergeHives", "ORSaveHive", "ORCloseHive", "ORCloseHive", "ORCloseHive"), recorder.functions());
        List<NativeRecorder.Call> c = recorder.calls();
        assertEquals(parent.resolve("SYSTEM_BASE").toString(), c.get(0).string("path"));
        assertEquals(layer.resolve("SYSTEM_DELTA").toString(), c.get(1).string("path"));
        long base = c.get(0).pointer("handle");
        long delta = c.get(1).pointer("handle");
        assertEquals(0x4e7e00000001L, base);
        assertEquals(2, c.get(2).number("count"));
        assertEquals(base, c.get(2).pointer("hive[0]"), "the base first: later hives override earlier ones");
        assertEquals(delta, c.get(2).pointer("hive[1]"));
        long merged = c.get(2).pointer("handle");
        assertEquals(merged, c.get(3).pointer("handle"));
        assertEquals(layer.resolve("SYSTEM_BASE").toString(), c.get(3).string("path"));
        assertEquals(10, c.get(3).number("major"));
        assertEquals(0, c.get(3).number("minor"));
        assertEquals(List.of(merged, delta, base), c.subList(4, 7).stream().map(x -> x.pointer("handle")).toList());
        assertEquals(parent.resolve("DEFAULTUSER_BASE").toString(), c.get(7).string("path"));
    }

    @Test
    void aFailureClosesWhatWasOpenedAndNamesTheFunction() throws IOException {
        recorder.nextResult("ORSaveHive", 183); // ERROR_ALREADY_EXISTS: the target must not exist
        OffregException e = assertThrows(OffregException.class,
                () -> merger.merge(parent.resolve("SAM_BASE"), layer.resolve("SAM_DELTA"), layer.resolve("SAM_BASE")));
        assertEquals("ORSaveHive(" + layer.resolve("SAM_BASE") + ") failed: Win32 error 183", e.getMessage());
        assertEquals(183, e.win32Error());
        assertEquals(3, recorder.all("ORCloseHive").size());

        recorder = NativeRecorder.start(dir.resolve("parent"));
        recorder.nextResult("OROpenHive", 0); // the base opens
        recorder.nextResult("OROpenHive", 1009); // ERROR_BADDB for the delta
        OffregException open = assertThrows(OffregException.class,
                () -> merger.merge(parent.resolve("SAM_BASE"), layer.resolve("SAM_DELTA"), layer.resolve("SAM_BASE")));
        assertEquals("OROpenHive(" + layer.resolve("SAM_DELTA") + ") failed: Win32 error 1009", open.getMessage());
        assertEquals(List.of("OROpenHive", "OROpenHive", "ORCloseHive"), recorder.functions());
        assertEquals(recorder.all("OROpenHive").get(0).pointer("handle"), recorder.only("ORCloseHive").pointer("handle"));

        recorder = NativeRecorder.start(dir.resolve("layer"));
        recorder.nextResult("ORMergeHives", 8); // ERROR_NOT_ENOUGH_MEMORY
        recorder.nextResult("ORCloseHive", 6); // ERROR_INVALID_HANDLE, reported as suppressed
        OffregException merge = assertThrows(OffregException.class,
                () -> merger.merge(parent.resolve("SAM_BASE"), layer.resolve("SAM_DELTA"), layer.resolve("SAM_BASE")));
        assertEquals("ORMergeHives(" + parent.resolve("SAM_BASE") + " + " + layer.resolve("SAM_DELTA") + ") failed: Win32 error 8",
                merge.getMessage());
        assertEquals(1, merge.getSuppressed().length);
        assertEquals(2, recorder.all("ORCloseHive").size());
    }
}
