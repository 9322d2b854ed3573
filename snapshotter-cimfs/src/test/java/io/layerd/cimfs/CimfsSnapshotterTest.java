package io.layerd.cimfs;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.snapshot.Cleaner;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.core.snapshot.SnapshotterContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** containerd's snapshot contract and the {@code CimFS} mount form of the CimFS snapshotter. */
class CimfsSnapshotterTest extends SnapshotterContract {
    @Override
    protected Snapshotter open(Path root) {
        return new CimfsSnapshotter(root);
    }

    private Path dir(long id) {
        return root.resolve("snapshots").resolve(Long.toString(id));
    }

    private Path cim(long id) {
        return root.resolve("snapshots").resolve("cim-layers").resolve(id + ".cim");
    }

    @Test
    void baseSnapshotMountsItsCimWithoutParentOptions() {
        List<Mount> m = sn.prepare("extract-1 sha256:aa", "", Map.of());
        assertEquals(List.of(new Mount("CimFS", dir(1).toString(), List.of("rw", "cimpath=" + cim(1)))), m);
        assertTrue(Files.isDirectory(dir(1)));
    }

    @Test
    void childMountsListParentDirectoriesAndCimsTopmostFirst() {
        committed("base", "");
        committed("mid", "base");
        List<Mount> m = sn.prepare("top", "mid", Map.of());
        assertEquals(List.of(new Mount("CimFS", dir(3).toString(), List.of("rw", "cimpath=" + cim(3),
                "parentLayerPaths=[\"" + dir(2) + "\",\"" + dir(1) + "\"]",
                "parentCimPaths=[\"" + cim(2) + "\",\"" + cim(1) + "\"]"))), m);
        List<Mount> v = sn.view("v", "mid", Map.of());
        assertEquals("ro", v.get(0).options().get(0));
        assertEquals("cimpath=" + cim(4), v.get(0).options().get(1));
    }

    @Test
    void cimLayersDirectoryIsNeverGarbage() throws Exception {
        committed("base", "");
        Files.writeString(cim(1), "cim");
        ((Cleaner) sn).cleanup();
        assertTrue(Files.exists(cim(1)));
    }

    @Test
    void rebaseIsRefusedBecauseACimIsForkedFromItsParent() {
        committed("p1", "");
        committed("p2", "");
        sn.prepare("layer", "p1", Map.of());
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.commit("c", "layer", Map.of(), "p2"), "rebase");
    }
}
