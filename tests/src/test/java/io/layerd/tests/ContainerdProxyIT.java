package io.layerd.tests;

import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Usage;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.ContainerdFixture;
import io.layerd.tests.containerd.CtrInfo;
import io.layerd.tests.containerd.CtrTable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * containerd 1.6 (a child process) using layerd (in this JVM) as its proxy snapshotter
 * {@code lcow}, driven through {@code ctr snapshots --snapshotter lcow}. Every test gets a fresh
 * layerd and containerd (see {@link ContainerdFixture}), so no test sees another's snapshots or
 * another's garbage collection.
 *
 * <p>Behaviour of containerd 1.6.20 these tests rely on and pin down (observed, not assumed):
 * <ul>
 *   <li>containerd's metadata layer names backend snapshots {@code <namespace>/<seq>/<key>};</li>
 *   <li>{@code ctr snapshots prepare} and {@code commit} add a {@code containerd.io/gc.root} label,
 *       {@code view} adds none — so a view made with ctr is garbage and the next GC removes it;</li>
 *   <li>only labels prefixed {@code containerd.io/snapshot/} are passed on to the backend; others
 *       (including {@code containerd.io/gc.root}) stay in containerd's own database;</li>
 *   <li>{@code ctr snapshots rm} removes the snapshot from containerd's database at once, but
 *       containerd asks the backend to remove it only from its garbage collector, which the
 *       deletion schedules: layerd's copy goes away shortly after {@code rm} returns, not before;</li>
 *   <li>containerd also collects once about 100 ms after booting; the fixture waits for that
 *       collection so that it cannot remove a view a test has just made.</li>
 * </ul>
 */
class ContainerdProxyIT {
    private static final String GC_ROOT = "containerd.io/gc.root";
    /** A label containerd passes through to the backend (prefix containerd.io/snapshot/). */
    private static final String BACKEND_LABEL = "containerd.io/snapshot/layerd-it";
    private static final Pattern RFC3339_SECONDS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    private static final Duration GC_WAIT = Duration.ofSeconds(15);

    @RegisterExtension
    final ContainerdFixture env = new ContainerdFixture();

    @Test
    @DisplayName("prepare, commit, view: mounts point at layerd's directories; ls and tree show the chain")
    void prepareCommitViewMountsLsTree() {
        env.step("prepare base (no parent)");
        assertEquals("", env.snapshotsOk("prepare", "base", "").stdout(), "prepare without --target prints nothing");
        Path baseDir = mountSource("base", "rw", List.of());
        assertTrue(Files.isDirectory(baseDir), "layerd made a directory for active snapshot base: " + baseDir);
        assertEquals(List.of(baseDir), env.snapshotDirs(), "exactly one snapshot directory after one prepare");
        assertKind("base", Kind.ACTIVE, null);

        env.step("commit base as base-c");
        assertEquals("", env.snapshotsOk("commit", "base-c", "base").stdout(), "commit prints nothing");
        assertEquals(List.of(baseDir), env.snapshotDirs(), "commit keeps the active snapshot's directory as the committed one");
        assertTrue(env.layerdSnapshot("base").isEmpty(), "after commit layerd has no snapshot under the active key 'base'");
        assertKind("base-c", Kind.COMMITTED, null);

        env.step("mounts of a committed snapshot are refused");
        CommandResult committedMounts = env.snapshots("mounts", "/mnt", "base-c");
        assertEquals(1, committedMounts.exitCode(), () -> "mounts of a committed snapshot fails:\n" + committedMounts);
        assertTrue(committedMounts.stderr().contains("only active and view snapshots have mounts: failed precondition"),
                () -> "layerd's reason reaches ctr:\n" + committedMounts);

        env.step("prepare child on base-c");
        env.snapshotsOk("prepare", "child", "base-c");
        Path childDir = mountSource("child", "rw", List.of(baseDir));
        assertNotEquals(baseDir, childDir, "child has its own directory");
        assertTrue(Files.isDirectory(childDir), "layerd made a directory for active snapshot child: " + childDir);
        assertKind("child", Kind.ACTIVE, "base-c");

        env.step("view v1 of base-c");
        List<Path> dirsBeforeView = env.snapshotDirs();
        env.snapshotsOk("view", "v1", "base-c");
        assertEquals(dirsBeforeView, env.snapshotDirs(), "a view creates no directory");
        assertEquals(List.of("mount -t lcow-layer " + baseDir + " /mnt -o ro,parentLayerPaths=null"),
                env.snapshotsOk("mounts", "/mnt", "v1").lines(),
                "a view of base-c mounts base-c's directory read-only, with no further parents");
        assertKind("v1", Kind.VIEW, "base-c");

        env.step("commit child as child-c, then prepare grandchild and view v2 on child-c");
        env.snapshotsOk("commit", "child-c", "child");
        env.snapshotsOk("prepare", "grandchild", "child-c");
        Path grandchildDir = mountSource("grandchild", "rw", List.of(childDir, baseDir));
        env.snapshotsOk("view", "v2", "child-c");
        assertEquals(List.of("mount -t lcow-layer " + childDir + " /mnt -o ro,parentLayerPaths=[\"" + baseDir + "\"]"),
                env.snapshotsOk("mounts", "/mnt", "v2").lines(),
                "a view of child-c mounts child-c's directory read-only over base-c's");
        assertEquals(List.of(baseDir, childDir, grandchildDir).stream().sorted().toList(), env.snapshotDirs(),
                "one directory per active or committed snapshot, none for the two views");

        env.step("ls");
        List<String> ls = env.snapshotsOk("ls").lines();
        assertEquals(List.of("KEY", "PARENT", "KIND"), CtrTable.header(ls), "ls header");
        assertEquals(List.of(
                        row("base-c", "", "Committed"),
                        row("child-c", "base-c", "Committed"),
                        row("grandchild", "child-c", "Active"),
                        row("v1", "base-c", "View"),
                        row("v2", "child-c", "View")),
                CtrTable.rows(ls), "ls rows (containerd lists in key order):\n" + String.join("\n", ls));

        env.step("tree");
        assertEquals(List.of(
                        " base-c",
                        "  \\_ child-c",
                        "    \\_ grandchild",
                        "    \\_ v2",
                        "  \\_ v1"),
                env.snapshotsOk("tree").lines(), "tree: children nested under their parent, in key order");
    }

    @Test
    @DisplayName("info shows kind, name, parent and labels; label updates containerd and (for containerd.io/snapshot/*) layerd; usage matches layerd")
    void infoLabelUsage() {
        env.step("build base-c, child on base-c, view v1 of base-c");
        Path baseDir = buildBaseChildAndView();

        env.step("info base-c");
        CtrInfo base = info("base-c");
        assertEquals("Committed", base.kind(), "kind of base-c");
        assertEquals("base-c", base.name(), "name of base-c");
        assertEquals(null, base.parent(), "base-c has no parent, so info has no Parent field");
        assertEquals(Set.of(GC_ROOT), base.labels().keySet(), "ctr commit labels the snapshot as a GC root, and nothing else");
        String gcRoot = base.labels().get(GC_ROOT);
        assertTrue(RFC3339_SECONDS.matcher(gcRoot).matches(), "gc.root label is an RFC 3339 time: " + gcRoot);
        assertEquals(base.fields().get("Created"), base.fields().get("Updated"), "never updated yet");

        env.step("info child and v1");
        CtrInfo child = info("child");
        assertEquals(List.of("Active", "child", "base-c"), List.of(child.kind(), child.name(), child.parent()), "kind, name, parent of child");
        assertEquals(Set.of(GC_ROOT), child.labels().keySet(), "ctr prepare labels the snapshot as a GC root");
        CtrInfo view = info("v1");
        assertEquals(List.of("View", "v1", "base-c"), List.of(view.kind(), view.name(), view.parent()), "kind, name, parent of v1");
        assertEquals(Map.of(), view.labels(), "ctr view adds no labels (not even gc.root), so info prints no Labels");

        env.step("layerd stores none of containerd's own labels");
        assertEquals(Map.of(), layerdInfo("base-c").labels(), "gc.root is not passed to the backend");

        env.step("label base-c foo=bar " + BACKEND_LABEL + "=yes");
        CommandResult label = env.snapshotsOk("label", "base-c", "foo=bar", BACKEND_LABEL + "=yes");
        assertEquals(Map.of(GC_ROOT, gcRoot, "foo", "bar", BACKEND_LABEL, "yes"), labelOutput(label),
                "label prints all labels of base-c afterwards (comma-separated, in no particular order)");
        CtrInfo labelled = info("base-c");
        assertEquals(Map.of(GC_ROOT, gcRoot, "foo", "bar", BACKEND_LABEL, "yes"), labelled.labels(), "info shows the new labels");
        assertEquals(base.fields().get("Created"), labelled.fields().get("Created"), "labelling keeps Created");
        assertNotEquals(labelled.fields().get("Created"), labelled.fields().get("Updated"), "labelling moves Updated");
        // containerd 1.6 keeps labels in its own database and forwards only containerd.io/snapshot/*
        // ones to the snapshotter: foo=bar must not (and does not) reach layerd.
        assertEquals(Map.of(BACKEND_LABEL, "yes"), layerdInfo("base-c").labels(),
                "layerd stores exactly the containerd.io/snapshot/ label, found under containerd's backend key");

        env.step("label base-c " + BACKEND_LABEL + "= removes it, in containerd and in layerd");
        assertEquals(Map.of(GC_ROOT, gcRoot, "foo", "bar"), labelOutput(env.snapshotsOk("label", "base-c", BACKEND_LABEL + "=")),
                "an empty value removes the label");
        assertEquals(Map.of(), layerdInfo("base-c").labels(), "the removal reached layerd");

        env.step("usage (all snapshots)");
        List<String> usage = env.snapshotsOk("usage").lines();
        assertEquals(List.of("KEY", "SIZE", "INODES"), CtrTable.header(usage), "usage header");
        Usage baseUsage = layerdUsage("base-c");
        Usage childUsage = layerdUsage("child");
        assertEquals(2, childUsage.inodes(), "a container's active snapshot is its directory and its sandbox.vhdx, as layerd counts");
        assertEquals(List.of(
                        usageRow("base-c", humanSize(baseUsage.size()), baseUsage.inodes()),
                        usageRow("child", humanSize(childUsage.size()), childUsage.inodes()),
                        usageRow("v1", "0.0 B", 0)),
                CtrTable.rows(usage), "usage rows carry layerd's numbers; a view uses nothing:\n" + String.join("\n", usage));

        env.step("usage base-c");
        assertEquals(List.of(usageRow("base-c", humanSize(baseUsage.size()), baseUsage.inodes())),
                CtrTable.rows(env.snapshotsOk("usage", "base-c").lines()), "usage of one key prints one row");
        assertTrue(Files.isDirectory(baseDir), "base-c's directory is still there");
    }

    @Test
    @DisplayName("misuse fails with containerd's error text and exit code 1, and changes nothing")
    void misuseIsRejected() {
        env.step("build base-c, child on base-c, view v1 of base-c");
        Path baseDir = buildBaseChildAndView();
        List<Map<String, String>> lsBefore = CtrTable.rows(env.snapshotsOk("ls").lines());
        List<Info> layerdBefore = env.layerdSnapshots();
        assertEquals(3, layerdBefore.size(), "layerd stores base-c, child and v1: " + layerdBefore);

        env.step("rm base-c, which has children");
        // containerd's metadata layer refuses this itself (it knows the children), before asking layerd
        assertFails(env.snapshots("rm", "base-c"),
                "ctr: failed to remove \"base-c\": cannot remove snapshot with child: failed precondition");
        assertTrue(Files.isDirectory(baseDir), "base-c's directory survives the refused rm");

        env.step("prepare child again");
        assertFails(env.snapshots("prepare", "child", "base-c"), "ctr: snapshot \"child\": already exists");

        env.step("commit the view v1");
        // this one is layerd's refusal, so it names the backend key containerd made up for v1
        String v1BackendKey = layerdInfo("v1").name();
        assertFails(env.snapshots("commit", "v1-c", "v1"), "ctr: snapshot \"" + v1BackendKey
                + "\" is not active: only active snapshots can be committed (it is a view snapshot): failed precondition");

        env.step("prepare on a parent that does not exist");
        assertFails(env.snapshots("prepare", "orphan", "no-such-parent"), "ctr: parent snapshot no-such-parent does not exist: not found");

        env.step("nothing changed, in containerd or in layerd");
        assertEquals(lsBefore, CtrTable.rows(env.snapshotsOk("ls").lines()), "ctr ls is as before the failed commands");
        assertEquals(layerdBefore, env.layerdSnapshots(), "layerd's snapshots are as before the failed commands");
    }

    @Test
    @DisplayName("rm through ctr removes the snapshots from layerd too (asynchronously, via containerd's GC), leaving layerd empty")
    void removeEverything() {
        env.step("build base-c, child on base-c, view v1 of base-c");
        Path baseDir = buildBaseChildAndView();
        Path childDir = mountSource("child", "rw", List.of(baseDir));
        assertEquals(3, env.layerdSnapshots().size(), "layerd stores base-c, child and v1");

        // containerd 1.6's Remove deletes the key from its bolt database and returns; the backend's
        // Remove is called later by the garbage collector that the deletion schedules (observed: it
        // typically runs tens of milliseconds after ctr returns, and layerd's directory is often still
        // there when ctr exits). So containerd's view is checked at once and layerd's is awaited.
        env.step("rm v1");
        assertEquals("", env.snapshotsOk("rm", "v1").stdout(), "rm prints nothing");
        assertEquals(List.of("base-c", "child"), ctrKeys(), "ctr ls drops v1 at once");
        env.await("layerd no longer stores v1", GC_WAIT, () -> env.layerdSnapshot("v1").isEmpty());

        env.step("rm child");
        env.snapshotsOk("rm", "child");
        assertEquals(List.of("base-c"), ctrKeys(), "ctr ls drops child at once");
        env.await("layerd no longer stores child", GC_WAIT, () -> env.layerdSnapshot("child").isEmpty());
        env.await("child's directory " + childDir + " is gone", GC_WAIT, () -> !Files.exists(childDir));
        assertTrue(Files.isDirectory(baseDir), "base-c's directory stays while base-c exists");

        env.step("rm base-c, which has no children now");
        env.snapshotsOk("rm", "base-c");
        assertEquals(List.of(), ctrKeys(), "ctr ls shows no snapshots");
        assertEquals(List.of(), env.snapshotsOk("tree").lines(), "ctr tree prints nothing");

        env.step("layerd ends up with no snapshots and no directories");
        env.await("layerd's store is empty", GC_WAIT, () -> env.layerdSnapshots().isEmpty());
        env.await("layerd's snapshots directory is empty", GC_WAIT, () -> env.snapshotDirs().isEmpty());
        assertEquals(List.of(), env.layerdSnapshots(), "no snapshots left in layerd");
    }

    @Test
    @DisplayName("a view made with ctr has no gc.root label, so containerd's next GC removes it from layerd")
    void unlabelledViewIsCollectedByContainerdGc() {
        env.step("build base-c, child on base-c, view v1 of base-c");
        Path baseDir = buildBaseChildAndView();
        assertTrue(env.layerdSnapshot("v1").isPresent(), "layerd stores v1");

        env.step("rm child: the deletion schedules a GC, which also collects the unreferenced view v1");
        env.snapshotsOk("rm", "child");
        env.await("containerd has collected v1", GC_WAIT, () -> !ctrKeys().contains("v1"));
        env.await("layerd no longer stores v1 or child", GC_WAIT,
                () -> env.layerdSnapshot("v1").isEmpty() && env.layerdSnapshot("child").isEmpty());
        assertEquals(List.of("base-c"), ctrKeys(), "base-c survives GC: ctr commit labelled it a GC root");
        assertEquals(List.of("base-c"), env.layerdSnapshots().stream().map(i -> i.name().replaceFirst("^[^/]+/\\d+/", "")).toList(),
                "layerd keeps base-c only");
        assertEquals(List.of(baseDir), env.snapshotDirs(), "only base-c's directory is left");
    }

    // ---------------------------------------------------------------- steps shared by tests

    /** prepare base, commit it as base-c, prepare child on it and view v1 of it; returns base-c's directory. */
    private Path buildBaseChildAndView() {
        env.snapshotsOk("prepare", "base", "");
        Path baseDir = mountSource("base", "rw", List.of());
        env.snapshotsOk("commit", "base-c", "base");
        env.snapshotsOk("prepare", "child", "base-c");
        env.snapshotsOk("view", "v1", "base-c");
        return baseDir;
    }

    /**
     * Runs {@code ctr snapshots mounts /mnt <key>}, asserts it prints exactly one lcow-layer mount
     * of a directory under layerd's snapshots directory with the given mode and parent paths, and
     * returns that directory.
     */
    private Path mountSource(String key, String mode, List<Path> parents) {
        List<String> lines = env.snapshotsOk("mounts", "/mnt", key).lines();
        String parentOption = parents.isEmpty() ? "null"
                : parents.stream().map(p -> "\"" + p + "\"").collect(java.util.stream.Collectors.joining(",", "[", "]"));
        Pattern expected = Pattern.compile("mount -t lcow-layer (" + Pattern.quote(env.snapshotsDir() + "/") + "[^/ ]+) /mnt -o "
                + Pattern.quote(mode + ",parentLayerPaths=" + parentOption));
        assertEquals(1, lines.size(), "one mount for " + key + ": " + lines);
        Matcher m = expected.matcher(lines.get(0));
        if (!m.matches()) {
            fail("mounts of " + key + "\n  expected: mount -t lcow-layer " + env.snapshotsDir() + "/<id> /mnt -o " + mode
                    + ",parentLayerPaths=" + parentOption + "\n  but was:  " + lines.get(0));
        }
        return Path.of(m.group(1));
    }

    private CtrInfo info(String key) {
        return CtrInfo.parse(env.snapshotsOk("info", key).lines());
    }

    /** The snapshot layerd stores for containerd's key, which must exist. */
    private Info layerdInfo(String key) {
        return env.layerdSnapshot(key).orElseGet(() -> fail("layerd stores no snapshot for containerd key " + key
                + "; it has " + env.layerdSnapshots().stream().map(Info::name).toList()));
    }

    private Usage layerdUsage(String key) {
        return env.layerd().usage(layerdInfo(key).name());
    }

    /** Kind in layerd, and parent as containerd's key (layerd's parent is a backend key). */
    private void assertKind(String key, Kind kind, String parentKey) {
        Info info = layerdInfo(key);
        assertEquals(kind, info.kind(), "kind of " + key + " in layerd");
        if (parentKey == null) {
            assertEquals("", info.parent(), key + " has no parent in layerd");
        } else {
            assertEquals(layerdInfo(parentKey).name(), info.parent(), "parent of " + key + " in layerd is " + parentKey + "'s backend key");
        }
    }

    private List<String> ctrKeys() {
        return CtrTable.rows(env.snapshotsOk("ls").lines()).stream().map(r -> r.get("KEY")).toList();
    }

    private static void assertFails(CommandResult r, String expectedStderr) {
        assertEquals(1, r.exitCode(), () -> "ctr exits with 1:\n" + r);
        assertEquals(expectedStderr, r.stderr().stripTrailing(), () -> "ctr's error text:\n" + r);
        assertEquals("", r.stdout(), () -> "nothing on stdout:\n" + r);
    }

    /** {@code ctr snapshots label} prints {@code k=v,k=v,...} in Go map order, i.e. any order. */
    private static Map<String, String> labelOutput(CommandResult r) {
        List<String> lines = r.lines();
        assertEquals(1, lines.size(), () -> "label prints one line:\n" + r);
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : lines.get(0).split(",")) {
            int eq = pair.indexOf('=');
            assertTrue(eq > 0, () -> "label output is k=v pairs:\n" + r);
            labels.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return labels;
    }

    private static Map<String, String> row(String key, String parent, String kind) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("KEY", key);
        row.put("PARENT", parent);
        row.put("KIND", kind);
        return row;
    }

    private static Map<String, String> usageRow(String key, String size, long inodes) {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("KEY", key);
        row.put("SIZE", size);
        row.put("INODES", Long.toString(inodes));
        return row;
    }

    /** ctr's size text: containerd's progress.Bytes, i.e. go-units CustomSize("%02.1f %s", base 1024). */
    private static String humanSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
        double size = bytes;
        int i = 0;
        while (size >= 1024 && i < units.length - 1) {
            size /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", size, units[i]); // %02.1f pads nothing here: "0.0" is already 3 wide
    }
}
