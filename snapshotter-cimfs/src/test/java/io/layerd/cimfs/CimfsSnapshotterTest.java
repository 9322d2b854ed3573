package io.layerd.cimfs;

import io.layerd.cimfs.image.CimFiles;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Mount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cimfs snapshotter's own rules (containerd's cimfs snapshotter): the {@code CimFS} mount
 * form, extract snapshots versus containers (a parent and a scratch disk), commit only of extract
 * snapshots, and the CIM files under {@code cim-layers} — imported only for the snapshot's own
 * path, counted in usage, deleted with the snapshot, collected as garbage when orphaned.
 */
class CimfsSnapshotterTest {
    private static final Map<String, String> GC_ROOT = Map.of("containerd.io/gc.root", "2026-01-01T00:00:00Z");

    @TempDir
    Path root;
    private final List<String> scratches = new ArrayList<>();
    private CimfsSnapshotter sn;

    private CimfsSnapshotter open() {
        return new CimfsSnapshotter(root, Optional.of((sandbox, bytes) -> {
            Files.writeString(sandbox, "vhdx");
            scratches.add(sandbox.getFileName() + ":" + bytes);
        }));
    }

    @AfterEach
    void close() {
        if (sn != null) {
            sn.close();
        }
    }

    private Path dir(long id) {
        return root.resolve("snapshots").resolve(Long.toString(id));
    }

    private Path cim(long id) {
        return root.resolve("snapshots").resolve("cim-layers").resolve(id + ".cim");
    }

    private static void assertKind(ErrorKind kind, Executable call, String... words) {
        LayerdException e = assertThrows(LayerdException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage() + " should mention " + w);
        }
    }

    private static byte[] layerTar(String file, boolean whiteoutBase) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
            if (whiteoutBase) {
                b.whiteout("Files/base.txt");
            } else {
                b.directory("Files", 0);
            }
            b.file("Files/" + file, 9000, 7, 0, Map.of());
        }
        return out.toByteArray();
    }

    /** Unpacks a layer the way containerd does: extract snapshot, Apply, commit. */
    private void unpacked(String name, String parent, long id, Optional<Long> parentId, String file) throws IOException {
        List<Mount> m = sn.prepare("extract-" + name, parent, GC_ROOT);
        assertEquals("cimpath=" + cim(id), m.get(0).options().get(1));
        sn.importLayer(dir(id), cim(id), parentId.map(this::cim), parentId.map(this::dir),
                new ByteArrayInputStream(layerTar(file, parentId.isPresent())), CimWriterFactory.PORTABLE, Optional.empty());
        sn.commit(name, "extract-" + name, GC_ROOT, "");
    }

    @Test
    void extractSnapshotsGetADirectoryAndMountTheirCim() {
        sn = open();
        List<Mount> m = sn.prepare("extract-1 sha256:aa", "", Map.of());
        assertEquals(List.of(new Mount("CimFS", dir(1).toString(), List.of("rw", "cimpath=" + cim(1)))), m);
        assertTrue(Files.isDirectory(dir(1)));
        assertEquals(List.of(), scratches, "an extract snapshot has no scratch");
    }

    @Test
    void containersNeedAParentAndGetAScratchSizedByTheirLabels() throws IOException {
        sn = open();
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("container", "", Map.of()), "without any parents");
        unpacked("base", "", 1, Optional.empty(), "base.txt");
        List<Mount> m = sn.prepare("c1", "base", Map.of());
        assertEquals(List.of(new Mount("CimFS", dir(2).toString(), List.of("rw", "cimpath=" + cim(2),
                "parentLayerPaths=[\"" + dir(1) + "\"]", "parentCimPaths=[\"" + cim(1) + "\"]"))), m);
        assertTrue(Files.exists(dir(2).resolve("sandbox.vhdx")));
        sn.prepare("c2", "base", Map.of(CimfsLayout.SIZE_GB_LABEL, "30"));
        sn.prepare("c3", "base", Map.of(CimfsLayout.SIZE_GB_LABEL, "30", CimfsLayout.SIZE_BYTES_LABEL, "53687091200"));
        sn.prepare("c4", "base", Map.of(CimfsLayout.SIZE_BYTES_LABEL, "1024")); // never below containerd's 10 GB blank
        assertEquals(List.of("sandbox.vhdx:" + (10L << 30), "sandbox.vhdx:" + (30L << 30), "sandbox.vhdx:53687091200",
                "sandbox.vhdx:" + (10L << 30)), scratches);
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("c5", "base", Map.of(CimfsLayout.SIZE_GB_LABEL, "big")), "size-gb");
        assertFalse(Files.exists(dir(6)), "a refused container leaves no directory");
    }

    @Test
    void onlyExtractSnapshotsCanBeCommitted() throws IOException {
        sn = open();
        unpacked("base", "", 1, Optional.empty(), "base.txt");
        sn.prepare("container", "base", GC_ROOT);
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.commit("layer", "container", GC_ROOT, ""),
                "committing a scratch snapshot to read-only cim layer isn't supported yet");
        assertEquals(io.layerd.core.snapshot.Kind.ACTIVE, sn.stat("container").kind(), "the container stays active");
    }

    @Test
    void aLayerIsAppliedOnlyToAnActiveExtractSnapshot() throws IOException {
        sn = open();
        unpacked("base", "", 1, Optional.empty(), "base.txt");
        List<Path> committed = CimFiles.ownFiles(cim(1));
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.importLayer(dir(1), cim(1), Optional.empty(), Optional.empty(),
                new ByteArrayInputStream(layerTar("other.txt", false)), CimWriterFactory.PORTABLE, Optional.empty()), "committed");
        sn.prepare("container", "base", Map.of());
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.importLayer(dir(2), cim(2), Optional.of(cim(1)), Optional.of(dir(1)),
                new ByteArrayInputStream(layerTar("other.txt", true)), CimWriterFactory.PORTABLE, Optional.empty()), "a container");
        committed.forEach(p -> assertTrue(Files.exists(p), p + ": the committed layer's CIM is untouched"));
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.view("v", "", Map.of()), "without any parents");
    }

    @Test
    void rebaseIsRefusedBecauseACimIsForkedFromItsParent() throws IOException {
        sn = open();
        unpacked("p1", "", 1, Optional.empty(), "a.txt");
        unpacked("p2", "", 2, Optional.empty(), "b.txt");
        sn.prepare("extract-layer", "p1", Map.of());
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.commit("c", "extract-layer", Map.of(), "p2"), "rebase");
    }

    @Test
    void usageCountsTheCimAndRemoveDeletesOnlyTheSnapshotsOwnFiles() throws IOException {
        sn = open();
        unpacked("base", "", 1, Optional.empty(), "base.txt");
        unpacked("child", "base", 2, Optional.of(1L), "child.txt");
        long cimBytes = 0;
        for (Path p : CimFiles.ownFiles(cim(2))) {
            cimBytes += io.layerd.core.fs.DiskUsage.of(p).size();
        }
        assertTrue(cimBytes > 9000, "the child's CIM holds its 9000-byte file: " + cimBytes);
        assertTrue(sn.usage("child").size() >= cimBytes, "usage " + sn.usage("child") + " includes the CIM's " + cimBytes + " bytes");
        List<Path> parentFiles = CimFiles.ownFiles(cim(1));
        List<Path> childFiles = CimFiles.ownFiles(cim(2));
        sn.remove("child");
        childFiles.forEach(p -> assertFalse(Files.exists(p), p + " is deleted with its snapshot"));
        parentFiles.forEach(p -> assertTrue(Files.exists(p), p + " belongs to the parent and stays"));
        sn.prepare("extract-again", "base", Map.of());
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.importLayer(dir(3), cim(3), Optional.of(cim(2)), Optional.empty(),
                new ByteArrayInputStream(new byte[0]), CimWriterFactory.PORTABLE, Optional.empty()), "parent CIM");
    }

    @Test
    void importWritesOnlyTheSnapshotsOwnCim() throws IOException {
        sn = open();
        sn.prepare("extract-a", "", Map.of());
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.importLayer(dir(1), root.resolve("elsewhere.cim"), Optional.empty(),
                Optional.empty(), new ByteArrayInputStream(layerTar("x", false)), CimWriterFactory.PORTABLE, Optional.empty()), "cimpath");
        assertKind(ErrorKind.NOT_IMPLEMENTED, () -> sn.importLayer(root.resolve("other/1"), cim(1), Optional.empty(),
                Optional.empty(), new ByteArrayInputStream(layerTar("x", false)), CimWriterFactory.PORTABLE, Optional.empty()), "not a snapshot");
        assertFalse(Files.exists(cim(1)));
    }

    @Test
    void orphanedCimsAndHalfWrittenFilesAreGarbageForCleanupAndStartUp() throws IOException {
        sn = open();
        unpacked("base", "", 1, Optional.empty(), "base.txt");
        Path layers = cim(1).getParent();
        // A snapshot whose removal was recorded but whose CIM was not deleted, a writer's temp file, a stray region.
        Files.copy(cim(1), layers.resolve("77.cim"));
        Files.writeString(layers.resolve(".cim-data-123.tmp"), "partial");
        Files.writeString(layers.resolve("region_00000000-0000-0000-0000-000000000001_0"), "no image lists me");
        sn.cleanup();
        try (var s = Files.list(layers)) {
            assertEquals(new java.util.TreeSet<>(CimFiles.ownFiles(cim(1))), new java.util.TreeSet<>(s.toList()),
                    "only the recorded snapshot's CIM and its regions are left");
        }
        Files.writeString(layers.resolve(".cim-data-456.tmp"), "partial");
        sn.close();
        sn = open();
        assertFalse(Files.exists(layers.resolve(".cim-data-456.tmp")), "start-up removes a crashed writer's leftovers");
        assertTrue(Files.exists(cim(1)));
    }
}
