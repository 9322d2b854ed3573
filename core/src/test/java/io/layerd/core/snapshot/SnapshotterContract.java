package io.layerd.core.snapshot;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.filter.Filters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * containerd's snapshot semantics, run against every snapshotter: the mount-free cases of
 * containerd's {@code SnapshotterSuite} (Update, Remove, Walk, StatInWalk, CloseTwice, and the
 * Stat, Transitivity and Prepare/View-failing checks) plus the error codes of misuse. A
 * subclass says how to open a snapshotter on a root and how List with filter text is asked.
 */
public abstract class SnapshotterContract {
    protected static final Map<String, String> GC_ROOT = Map.of("containerd.io/gc.root", "2026-01-01T00:00:00Z");

    @TempDir
    protected Path root;
    protected Snapshotter sn;

    /** Opens the snapshotter under test on {@code root} (a fresh directory per test). */
    protected abstract Snapshotter open(Path root) throws Exception;

    /** Closes {@code s} and whatever {@link #open} started with it. */
    protected void shut(Snapshotter s) throws Exception {
        s.close();
    }

    /** The names List returns for {@code filters} (OR-ed). Subclasses may send them over the wire. */
    protected List<String> list(List<String> filters) {
        List<String> names = new ArrayList<>();
        sn.walk(Filters.parseAll(filters), i -> names.add(i.name()));
        return names;
    }

    /** Where the snapshotter under test keeps its snapshot directories. */
    protected Path snapshotsDirectory() {
        return root.resolve("snapshots");
    }

    @BeforeEach
    void start() throws Exception {
        sn = open(root);
    }

    @AfterEach
    void stop() throws Exception {
        if (sn != null) {
            shut(sn);
        }
    }

    /** Prepares {@code key-active} on {@code parent} and commits it as {@code name}. */
    protected void committed(String name, String parent) {
        sn.prepare(name + "-active", parent, GC_ROOT);
        sn.commit(name, name + "-active", GC_ROOT, "");
    }

    protected static void assertKind(ErrorKind expected, Executable call, String... messageParts) {
        LayerdException e = assertThrows(LayerdException.class, call);
        assertEquals(expected, e.kind(), "error kind of: " + e.getMessage());
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), "message \"" + e.getMessage() + "\" should contain \"" + part + "\"");
        }
    }

    // ---- containerd testsuite: StatActive, StatComitted, TransitivityTest ----

    @Test
    void statActive() {
        sn.prepare("active", "", GC_ROOT);
        Info i = sn.stat("active");
        assertEquals("active", i.name());
        assertEquals(Kind.ACTIVE, i.kind());
        assertEquals("", i.parent());
        assertEquals(GC_ROOT, i.labels());
    }

    @Test
    void statCommitted() {
        committed("c", "");
        Info i = sn.stat("c");
        assertEquals("c", i.name());
        assertEquals(Kind.COMMITTED, i.kind());
        assertEquals("", i.parent());
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("c-active"), "c-active");
    }

    @Test
    void transitivity() {
        committed("a", "");
        committed("b", "a");
        assertEquals("a", sn.stat("b").parent());
        assertEquals("", sn.stat("a").parent());
    }

    // ---- containerd testsuite: PreareViewFailingtest ----

    @Test
    void prepareAndViewOfAnExistingKeyFail() {
        committed("base", "");
        sn.prepare("k", "base", GC_ROOT);
        assertKind(ErrorKind.ALREADY_EXISTS, () -> sn.view("k", "base", GC_ROOT), "\"k\"", "already exists");
        assertKind(ErrorKind.ALREADY_EXISTS, () -> sn.prepare("k", "base", GC_ROOT), "\"k\"");
        sn.view("v", "base", GC_ROOT);
        assertKind(ErrorKind.ALREADY_EXISTS, () -> sn.view("v", "base", GC_ROOT), "\"v\"");
        assertKind(ErrorKind.ALREADY_EXISTS, () -> sn.prepare("base", "", GC_ROOT), "\"base\"");
    }

    // ---- containerd testsuite: Update ----

    @Test
    void update() throws Exception {
        sn.prepare("a-active", "", Map.of());
        sn.commit("a", "a-active", Map.of("l1", "v1", "l2", "v2"), "");
        Info st = sn.stat("a");
        assertEquals(st.created(), st.updated(), "created == updated right after commit");
        java.time.Instant created = st.created();

        Info after = sn.update(Info.ofLabels("a", Map.of("l1", "v1", "l3", "v3")), List.of());
        assertEquals(Map.of("l1", "v1", "l3", "v3"), after.labels(), "no mask replaces all labels");
        assertEquals(created, after.created(), "created is immutable");
        assertTrue(after.updated().isAfter(st.updated()), "updated moves forward");

        after = sn.update(Info.ofLabels("a", Map.of("l1", "updated", "l2", "ignored")), List.of("labels.l1"));
        assertEquals(Map.of("l1", "updated", "l3", "v3"), after.labels(), "labels.l1 sets only l1");

        after = sn.update(Info.ofLabels("a", Map.of("l4", "new")), List.of("labels.l4", "labels.l3"));
        assertEquals(Map.of("l1", "updated", "l4", "new"), after.labels(), "an absent value removes the label");

        after = sn.update(Info.ofLabels("a", Map.of("l5", "v5")), List.of("labels"));
        assertEquals(Map.of("l5", "v5"), after.labels(), "mask \"labels\" replaces all");
        assertEquals(after.labels(), sn.stat("a").labels(), "Stat sees the update");
        assertEquals(created, sn.stat("a").created());

        for (String immutable : List.of("name", "parent", "kind", "created", "updated", "bogus")) {
            assertKind(ErrorKind.INVALID_ARGUMENT,
                    () -> sn.update(Info.ofLabels("a", Map.of()), List.of(immutable)), immutable);
        }
        assertEquals(Map.of("l5", "v5"), sn.stat("a").labels(), "a refused update changes nothing");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.update(Info.ofLabels("missing", Map.of()), List.of()), "missing");
    }

    // ---- containerd testsuite: Remove ----

    @Test
    void remove() {
        sn.prepare("a", "", GC_ROOT);
        sn.remove("a");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("a"));
        sn.prepare("a", "", GC_ROOT); // a removed key can be used again
        sn.commit("a-c", "a", GC_ROOT, "");
        committed("b", "a-c");
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.remove("a-c"), "child", "\"b\"");
        sn.remove("b");
        sn.remove("a-c"); // parent after child
        committed("a-c", ""); // a removed committed name can be used again
        assertEquals(Kind.COMMITTED, sn.stat("a-c").kind());
        assertKind(ErrorKind.NOT_FOUND, () -> sn.remove("never-was"), "never-was");
    }

    @Test
    void removeIntermediateSnapshotOnlyTopDown() {
        committed("base", "");
        committed("middle", "base");
        sn.prepare("top", "middle", GC_ROOT);
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.remove("middle"));
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.remove("base"));
        sn.remove("top");
        sn.remove("middle");
        sn.remove("base");
        assertEquals(List.of(), list(List.of()));
    }

    // ---- containerd testsuite: Walk ----

    static Stream<Arguments> walkFilters() {
        return Stream.of(
                Arguments.of(List.of(), Set.of("p", "c", "a", "a-wl", "v")),
                Arguments.of(List.of("kind==active"), Set.of("a", "a-wl")),
                Arguments.of(List.of("kind==view"), Set.of("v")),
                Arguments.of(List.of("kind==committed"), Set.of("p", "c")),
                Arguments.of(List.of("name==p"), Set.of("p")),
                Arguments.of(List.of("name==a-wl,labels.l"), Set.of("a-wl")),
                Arguments.of(List.of("parent==p"), Set.of("c", "a", "a-wl", "v")),
                Arguments.of(List.of("parent!=\"\""), Set.of("c", "a", "a-wl", "v")),
                Arguments.of(List.of("labels.l"), Set.of("a-wl", "v")),
                Arguments.of(List.of("labels.l==2"), Set.of("v")),
                Arguments.of(List.of("labels.\"containerd.io/gc.root\""), Set.of("p", "c", "a", "v")),
                Arguments.of(List.of("kind==view", "kind==committed"), Set.of("v", "p", "c")),
                Arguments.of(List.of("kind==active,parent!=\"\",labels.l==1"), Set.of("a-wl")),
                Arguments.of(List.of("name~=^a"), Set.of("a", "a-wl")),
                Arguments.of(List.of("name==nothing"), Set.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("walkFilters")
    void walkFilters(List<String> filters, Set<String> expected) {
        committed("p", "");
        committed("c", "p");
        sn.prepare("a", "p", GC_ROOT);
        sn.prepare("a-wl", "p", Map.of("l", "1"));
        Map<String, String> viewLabels = new HashMap<>(GC_ROOT);
        viewLabels.put("l", "2");
        sn.view("v", "p", viewLabels);
        List<String> names = list(filters);
        assertEquals(names.size(), new TreeSet<>(names).size(), "no duplicates: " + names);
        assertEquals(new TreeSet<>(expected), new TreeSet<>(names));
    }

    @Test
    void malformedFilterIsInvalidArgument() {
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> list(List.of("labels.")), "labels.");
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> list(List.of("kind=active")), "kind=active");
    }

    // ---- containerd testsuite: StatInWalk ----

    @Test
    void statInWalk() {
        committed("p", "");
        sn.prepare("a", "p", GC_ROOT);
        sn.view("v", "p", GC_ROOT);
        List<String> seen = new ArrayList<>();
        sn.walk(io.layerd.core.filter.Filter.ALWAYS, info -> {
            Info stat = sn.stat(info.name());
            assertEquals(info, stat, "Stat inside Walk equals the walked info");
            seen.add(info.name());
        });
        assertEquals(Set.of("p", "a", "v"), new TreeSet<>(seen));
    }

    // ---- containerd testsuite: CloseTwice ----

    @Test
    void closeTwice() throws Exception {
        shut(sn);
        shut(sn);
        sn = null;
    }

    // ---- Commit, Mounts, parents: the error each misuse gets ----

    @Test
    void commitOfAViewIsFailedPrecondition() {
        committed("base", "");
        sn.view("v", "base", GC_ROOT);
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.commit("x", "v", GC_ROOT, ""), "\"v\"", "not active");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("x"));
        assertEquals(Kind.VIEW, sn.stat("v").kind(), "the view is untouched");
    }

    @Test
    void commitOfACommittedSnapshotIsFailedPreconditionAndOfAGoneKeyNotFound() {
        committed("c", "");
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.commit("x", "c", GC_ROOT, ""), "not active");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.commit("x", "c-active", GC_ROOT, ""), "c-active");
    }

    @Test
    void commitToAnExistingNameIsAlreadyExistsAndKeepsTheActive() {
        committed("taken", "");
        sn.prepare("a", "", GC_ROOT);
        assertKind(ErrorKind.ALREADY_EXISTS, () -> sn.commit("taken", "a", GC_ROOT, ""), "\"taken\"");
        assertEquals(Kind.ACTIVE, sn.stat("a").kind());
        sn.commit("free", "a", GC_ROOT, "");
        assertEquals(Kind.COMMITTED, sn.stat("free").kind());
    }

    @Test
    void commitReplacesLabels() {
        sn.prepare("a", "", Map.of("old", "1"));
        sn.commit("c", "a", Map.of("new", "2"), "");
        assertEquals(Map.of("new", "2"), sn.stat("c").labels());
    }

    @Test
    void parentMustExistAndBeCommitted() {
        assertKind(ErrorKind.NOT_FOUND, () -> sn.prepare("k", "nope", GC_ROOT), "\"nope\"");
        sn.prepare("active", "", GC_ROOT);
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("k", "active", GC_ROOT), "\"active\"", "not committed");
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.view("k", "active", GC_ROOT), "not committed");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("k"), "\"k\"", "not found"); // nothing was created
    }

    @Test
    void mountsOnlyForActiveAndView() {
        committed("c", "");
        sn.prepare("a", "c", GC_ROOT);
        sn.view("v", "c", GC_ROOT);
        assertEquals(sn.mounts("a"), sn.mounts("a"), "mounts are stable");
        assertEquals(1, sn.mounts("a").size());
        assertEquals(1, sn.mounts("v").size());
        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.mounts("c"), "\"c\"");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.mounts("x"));
    }

    @Test
    void prepareReturnsTheSameMountsAsMounts() {
        List<Mount> prepared = sn.prepare("a", "", GC_ROOT);
        assertEquals(prepared, sn.mounts("a"));
        committed("c", "");
        List<Mount> viewed = sn.view("v", "c", GC_ROOT);
        assertEquals(viewed, sn.mounts("v"));
    }

    @Test
    void emptyKeysAndOversizedLabelsAreInvalidArgument() {
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("", "", GC_ROOT), "key");
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.view("", "", GC_ROOT), "key");
        sn.prepare("a", "", GC_ROOT);
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.commit("", "a", GC_ROOT, ""), "name");
        String big = "x".repeat(4096 - 3);
        sn.prepare("ok", "", Map.of("key", big)); // exactly 4096 bytes is allowed
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("b", "", Map.of("key", big + "y")), "4097", "4096");
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.commit("c", "a", Map.of("key", big + "y"), ""), "4096");
        assertKind(ErrorKind.INVALID_ARGUMENT,
                () -> sn.update(Info.ofLabels("a", Map.of("key", big + "y")), List.of("labels.key")), "4096");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("b"), "\"b\"", "not found"); // nothing was created
        assertEquals(Kind.ACTIVE, sn.stat("a").kind(), "a refused commit leaves the active snapshot");
    }

    // ---- Usage ----

    @Test
    void usageOfCommittedIsRecordedAndOfViewsZero() {
        committed("c", "");
        Usage u = sn.usage("c");
        assertTrue(u.inodes() >= 1 && u.size() > 0, "the committed layer's directory was measured at commit: " + u);
        assertEquals(u, sn.usage("c"), "committed usage is the recorded one");
        sn.view("v", "c", GC_ROOT);
        assertEquals(Usage.ZERO, sn.usage("v"), "a view owns nothing");
        assertKind(ErrorKind.NOT_FOUND, () -> sn.usage("missing"));
    }

    // ---- Cleanup ----

    @Test
    void cleanupKeepsEverySnapshotAndRemovesUnknownDirectories() throws Exception {
        committed("p", "");
        sn.prepare("a", "p", GC_ROOT);
        sn.view("v", "p", GC_ROOT);
        List<Mount> before = sn.mounts("a");
        Path orphan = snapshotsDirectory().resolve("424242");
        java.nio.file.Files.createDirectories(orphan.resolve("content"));
        ((Cleaner) sn).cleanup();
        assertTrue(java.nio.file.Files.notExists(orphan), "a directory the metadata does not know is removed");
        assertEquals(Set.of("p", "a", "v"), new TreeSet<>(list(List.of())));
        assertEquals(before, sn.mounts("a"));
        assertTrue(java.nio.file.Files.isDirectory(Path.of(before.get(0).source())), "the active snapshot keeps its directory");
    }

    // ---- Restart ----

    @Test
    void restartKeepsEverySnapshotAndLabel() throws Exception {
        committed("p", "");
        sn.prepare("a", "p", Map.of("x", "1"));
        sn.view("v", "p", Map.of("y", "2"));
        sn.update(Info.ofLabels("p", Map.of("z", "3")), List.of("labels.z"));
        Map<String, Info> before = new HashMap<>();
        sn.walk(io.layerd.core.filter.Filter.ALWAYS, i -> before.put(i.name(), i));
        List<Mount> mountsBefore = sn.mounts("a");
        shut(sn);
        sn = open(root);
        Map<String, Info> after = new HashMap<>();
        sn.walk(io.layerd.core.filter.Filter.ALWAYS, i -> after.put(i.name(), i));
        assertEquals(before, after);
        assertEquals(mountsBefore, sn.mounts("a"));
        sn.commit("a-c", "a", Map.of(), "");
        assertEquals("p", sn.stat("a-c").parent());
    }
}
