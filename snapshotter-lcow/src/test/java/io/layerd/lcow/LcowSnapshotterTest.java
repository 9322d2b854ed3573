package io.layerd.lcow;

import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.core.snapshot.SnapshotterContract;
import io.layerd.lcow.scratch.ScratchFormatter;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** containerd's snapshot contract and the {@code lcow-layer} mount form of the LCOW snapshotter. */
class LcowSnapshotterTest extends SnapshotterContract {
    @Override
    protected Snapshotter open(Path root) {
        // A blank template: the contract is about metadata and directories, not file systems.
        return new LcowSnapshotter(root, Optional.<ScratchFormatter>of(vhdx -> {
        }));
    }

    private Path dir(long id) {
        return root.resolve("snapshots").resolve(Long.toString(id));
    }

    @Test
    void activeWithoutParentsMountsItsOwnDirectoryWithNullParents() {
        List<Mount> m = sn.prepare("a", "", Map.of());
        assertEquals(List.of(new Mount("lcow-layer", dir(1).toString(), List.of("rw", "parentLayerPaths=null"))), m);
        assertTrue(Files.isDirectory(dir(1)));
    }

    @Test
    void activeOnAChainListsParentsImmediateFirst() {
        committed("base", "");   // id 1
        committed("mid", "base"); // id 2
        List<Mount> m = sn.prepare("top", "mid", Map.of()); // id 3
        assertEquals(List.of(new Mount("lcow-layer", dir(3).toString(), List.of("rw",
                "parentLayerPaths=[\"" + dir(2) + "\",\"" + dir(1) + "\"]"))), m);
    }

    @Test
    void viewMountsTheImmediateParentWithTheRemainingParents() {
        committed("base", "");
        committed("mid", "base");
        List<Mount> m = sn.view("v", "mid", Map.of());
        assertEquals(List.of(new Mount("lcow-layer", dir(2).toString(), List.of("ro",
                "parentLayerPaths=[\"" + dir(1) + "\"]"))), m);
        List<Mount> one = sn.view("v1", "base", Map.of());
        assertEquals(List.of(new Mount("lcow-layer", dir(1).toString(), List.of("ro", "parentLayerPaths=null"))), one);
    }

    @Test
    void viewsCreateNothingOnDisk() throws Exception {
        committed("base", "");
        sn.view("v", "base", Map.of());
        sn.view("v0", "", Map.of());
        try (var s = Files.list(root.resolve("snapshots"))) {
            assertEquals(List.of(dir(1)), s.toList(), "only the committed layer has a directory");
        }
        sn.remove("v");
        sn.remove("v0");
    }

    @Test
    void committedLayersKeepTheirDirectoryAndCanBeRebased() {
        committed("p1", "");
        committed("p2", "");
        sn.prepare("layer", "p1", Map.of());
        sn.commit("c", "layer", Map.of(), "p2");
        assertEquals("p2", sn.stat("c").parent(), "an LCOW layer is self-contained: rebase moves it");
        assertEquals(Kind.COMMITTED, sn.stat("c").kind());
        assertTrue(Files.isDirectory(dir(3)));
        sn.remove("c");
        assertFalse(Files.exists(dir(3)));
    }
}
