package io.layerd.core.snapshot;

import io.layerd.core.metastore.StoredSnapshot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract on a plain layout, plus what only a directory snapshotter promises on disk. */
class DirectorySnapshotterTest extends SnapshotterContract {

    /** Every kind gets a directory holding a marker file; mounts are bind mounts of it. */
    static final class MarkerLayout implements SnapshotLayout {
        @Override
        public boolean keepsDirectory(Kind kind, String key) {
            return true;
        }

        @Override
        public void populate(Path dir, Kind kind, String key, Map<String, String> labels) throws IOException {
            Files.writeString(dir.resolve("marker"), key);
        }

        @Override
        public List<Mount> mounts(SnapshotPaths paths, StoredSnapshot s) {
            return List.of(new Mount("bind", paths.snapshot(s.id()).toString(), List.of(s.kind() == Kind.VIEW ? "ro" : "rw")));
        }

        @Override
        public boolean isReserved(String name) {
            return name.equals("reserved");
        }
    }

    @Override
    protected Snapshotter open(Path root) {
        return new DirectorySnapshotter(root, new MarkerLayout());
    }

    private DirectorySnapshotter ds() {
        return (DirectorySnapshotter) sn;
    }

    private Set<String> snapshotDirs() throws IOException {
        try (Stream<Path> s = Files.list(ds().paths().snapshots())) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void directoryIsPopulatedBeforeItAppears() throws IOException {
        List<Mount> m = sn.prepare("k", "", Map.of());
        Path dir = Path.of(m.get(0).source());
        assertEquals("k", Files.readString(dir.resolve("marker")));
        try (Stream<Path> tmp = Files.list(ds().paths().tmp())) {
            assertEquals(0, tmp.count(), "nothing is left in tmp/");
        }
    }

    @Test
    void removeDeletesTheDirectoryAndCommitKeepsIt() throws IOException {
        Path dir = Path.of(sn.prepare("k", "", Map.of()).get(0).source());
        sn.commit("c", "k", Map.of(), "");
        assertTrue(Files.isDirectory(dir), "a committed snapshot keeps its directory");
        sn.remove("c");
        assertFalse(Files.exists(dir));
        assertEquals(Set.of(), snapshotDirs());
    }

    @Test
    void usageOfActiveIsLiveAndCommitRecordsIt() throws IOException {
        Path dir = Path.of(sn.prepare("k", "", Map.of()).get(0).source());
        Usage empty = sn.usage("k");
        assertEquals(2, empty.inodes(), "the directory and its marker");
        Files.write(dir.resolve("data"), new byte[64 * 1024]);
        Files.createLink(dir.resolve("hardlink"), dir.resolve("data"));
        Usage grown = sn.usage("k");
        assertEquals(3, grown.inodes(), "a hard link is one inode");
        assertTrue(grown.size() >= empty.size() + 64 * 1024, "allocated bytes grow by the file: " + grown);
        try (var f = new java.io.RandomAccessFile(dir.resolve("sparse").toFile(), "rw")) {
            f.setLength(1L << 30); // 1 GiB hole
        }
        assertTrue(sn.usage("k").size() < grown.size() + (1 << 20), "a hole costs nothing");
        sn.commit("c", "k", Map.of(), "");
        Files.write(dir.resolve("late"), new byte[128 * 1024]);
        assertEquals(4, sn.usage("c").inodes(), "committed usage is the one recorded at commit");
    }

    @Test
    void cleanupRemovesUnknownDirectoriesOnly() throws IOException {
        sn.prepare("k", "", Map.of());
        committed("c", "");
        Path snapshots = ds().paths().snapshots();
        Files.createDirectories(snapshots.resolve("999").resolve("inner"));
        Files.createDirectories(snapshots.resolve("junk"));
        Files.writeString(snapshots.resolve("stray-file"), "x");
        Files.createDirectories(snapshots.resolve("reserved"));
        Set<String> known = new TreeSet<>(snapshotDirs());
        known.removeAll(Set.of("999", "junk", "stray-file", "reserved"));
        assertEquals(2, known.size());
        ((Cleaner) sn).cleanup();
        Set<String> expected = new TreeSet<>(known);
        expected.add("reserved");
        assertEquals(expected, snapshotDirs());
        assertEquals(Kind.ACTIVE, sn.stat("k").kind());
        assertEquals(Kind.COMMITTED, sn.stat("c").kind());
    }

    @Test
    void leftoversOfInterruptedCallsAreRemovedAtStartUp() throws Exception {
        sn.prepare("k", "", Map.of());
        shut(sn);
        Path snapshots = root.resolve("snapshots");
        Files.createDirectories(snapshots.resolve("rm-7").resolve("x"));
        Files.createDirectories(root.resolve("tmp").resolve("new-123"));
        sn = open(root);
        assertEquals(Set.of("1"), snapshotDirs());
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            assertEquals(0, tmp.count());
        }
    }

    @Test
    void aRemovalKilledBeforeItsTransactionCommittedGetsItsDirectoryBack() throws Exception {
        // Remove renames snapshots/<id> to rm-<id> inside its transaction; a process killed
        // before the commit leaves the snapshot recorded and its directory renamed.
        committed("c", "");
        shut(sn);
        Path snapshots = root.resolve("snapshots");
        Files.writeString(snapshots.resolve("1").resolve("content"), "kept");
        Files.move(snapshots.resolve("1"), snapshots.resolve("rm-1"));
        sn = open(root);
        assertEquals(Kind.COMMITTED, sn.stat("c").kind());
        assertEquals(Set.of("1"), snapshotDirs(), "rm-1 is renamed back, not deleted");
        assertEquals("kept", Files.readString(snapshots.resolve("1").resolve("content")));
    }

    @Test
    void anOrphanDirectoryWithTheNextIdIsReplaced() throws IOException {
        // A crash between the rename and the commit leaves snapshots/<id> while the id is
        // handed out again: the new snapshot must get a clean directory.
        Path orphan = ds().paths().snapshot(1);
        Files.createDirectories(orphan);
        Files.writeString(orphan.resolve("stale"), "old");
        Path dir = Path.of(sn.prepare("k", "", Map.of()).get(0).source());
        assertEquals(orphan, dir);
        assertFalse(Files.exists(dir.resolve("stale")));
        assertTrue(Files.exists(dir.resolve("marker")));
    }

    @Test
    void aFailedCreateLeavesNothing() throws IOException {
        committed("c", "");
        Set<String> before = snapshotDirs();
        assertKind(io.layerd.core.errors.ErrorKind.ALREADY_EXISTS, () -> sn.prepare("c", "", Map.of()));
        assertKind(io.layerd.core.errors.ErrorKind.NOT_FOUND, () -> sn.prepare("x", "missing", Map.of()));
        assertEquals(before, snapshotDirs());
        try (Stream<Path> tmp = Files.list(ds().paths().tmp())) {
            assertEquals(0, tmp.count());
        }
    }

    @Test
    void rebaseMovesTheCommittedSnapshotWhenTheLayoutAllowsIt() {
        committed("p1", "");
        sn.prepare("a", "", Map.of());
        assertKind(io.layerd.core.errors.ErrorKind.FAILED_PRECONDITION, () -> sn.commit("c", "a", Map.of(), "p1"), "rebase");
        assertEquals(Kind.ACTIVE, sn.stat("a").kind());
    }
}
