package io.layerd.lcow.scratch;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Mount;
import io.layerd.lcow.LcowSnapshotter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container scratch of the LCOW snapshotter: cached templates, their copies, labels, sharing. */
class LcowScratchTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path root;
    private LcowSnapshotter sn;

    @AfterEach
    void close() {
        if (sn != null) {
            sn.close();
        }
    }

    private LcowSnapshotter open(ScratchFormatter formatter) {
        sn = new LcowSnapshotter(root, Optional.ofNullable(formatter));
        return sn;
    }

    private Path sandboxOf(List<Mount> mounts) {
        return Path.of(mounts.get(0).source()).resolve("sandbox.vhdx");
    }

    private static Map<String, String> sizeGb(int n) {
        return Map.of(ScratchLabels.SIZE_GB, Integer.toString(n));
    }

    @Test
    void oneTemplatePerSizeIsCreatedOnceUnderConcurrentPrepares() throws Exception {
        Tools.assumeInstalled();
        MkfsScratchFormatter formatter = MkfsScratchFormatter.ext4();
        open(formatter);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Mount>>> prepares = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Map<String, String> labels = sizeGb(i % 2 == 0 ? 1 : 2);
                String key = "container-" + i;
                prepares.add(pool.submit((Callable<List<Mount>>) () -> sn.prepare(key, "", labels)));
            }
            for (int i = 0; i < prepares.size(); i++) {
                Path sandbox = sandboxOf(prepares.get(i).get());
                assertEquals((i % 2 == 0 ? 1 : 2) * GIB, Tools.virtualSize(sandbox), sandbox.toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, formatter.calls.get(), "one format per size");
        assertTrue(Files.isRegularFile(root.resolve("scratch_1.vhdx")));
        assertTrue(Files.isRegularFile(root.resolve("scratch_2.vhdx")));
        try (var names = Files.list(root)) {
            assertTrue(names.noneMatch(p -> p.getFileName().toString().endsWith("-tmp.vhdx")), "no temporary file is left");
        }
    }

    @Test
    void sandboxIsAFastCopyThatQemuAndE2fsckAccept() throws Exception {
        Tools.assumeInstalled();
        open(MkfsScratchFormatter.ext4());
        sn.prepare("first", "", sizeGb(1)); // creates the template
        Path sandbox = sandboxOf(sn.prepare("second", "", sizeGb(1)));
        assertSparseCopyOf(root.resolve("scratch_1.vhdx"), sandbox);
        Tools.assertQemuCheckClean(sandbox);
        assertEquals(GIB, Tools.virtualSize(sandbox));
        Tools.assertExt4Clean(sandbox);
        String features = Tools.run("sh", "-c", "qemu-img convert -f vhdx -O raw " + sandbox + " " + root.resolve("f.raw")
                + " && dumpe2fs -h " + root.resolve("f.raw") + " 2>/dev/null | grep -i features").assertOk().output();
        assertTrue(features.contains("sparse_super2") && !features.contains("has_journal") && !features.contains("resize_inode"),
                "hcsshim's mkfs options: " + features);
    }

    @Test
    void theDefaultTemplateIs20GbAndIsCopiedSparsely() throws Exception {
        Tools.assumeInstalled();
        MkfsScratchFormatter formatter = MkfsScratchFormatter.blank();
        open(formatter);
        sn.prepare("first", "", Map.of());
        assertTrue(Files.isRegularFile(root.resolve("scratch.vhdx")));
        Path sandbox = sandboxOf(sn.prepare("second", "", Map.of()));
        assertSparseCopyOf(root.resolve("scratch.vhdx"), sandbox);
        assertEquals(20 * GIB, Tools.virtualSize(sandbox));
        Tools.assertQemuCheckClean(sandbox);
        assertEquals(1, formatter.calls.get());
    }

    /**
     * What makes the copy take milliseconds (measured by no timer here: speed is for benchmarks):
     * the sandbox has the template's bytes but allocates no more disk than the template does.
     */
    private static void assertSparseCopyOf(Path template, Path sandbox) throws Exception {
        assertEquals(Files.size(template), Files.size(sandbox));
        if (Files.size(template) <= (2L << 30)) { // reading 20 GB of holes would only cost time
            assertEquals(-1L, Files.mismatch(template, sandbox), "the sandbox holds the template's bytes");
        }
        long templateDisk = io.layerd.core.fs.DiskUsage.of(template).size();
        long sandboxDisk = io.layerd.core.fs.DiskUsage.of(sandbox).size();
        assertTrue(sandboxDisk <= templateDisk + (1 << 20), "holes stay holes: template allocates " + templateDisk
                + " bytes, the copy " + sandboxDisk);
    }

    @Test
    void theLocationLabelPutsTheTemplateInItsDirectory() throws Exception {
        Tools.assumeInstalled();
        Path cache = root.resolve("elsewhere").resolve("cache");
        open(MkfsScratchFormatter.blank());
        Path sandbox = sandboxOf(sn.prepare("c", "", Map.of(ScratchLabels.LOCATION, cache.toString(), ScratchLabels.SIZE_GB, "3")));
        assertTrue(Files.isRegularFile(cache.resolve("scratch_3.vhdx")));
        assertFalse(Files.exists(root.resolve("scratch_3.vhdx")));
        assertEquals(3 * GIB, Tools.virtualSize(sandbox));
    }

    @Test
    void extractKeysAndViewsGetNoSandbox() throws Exception {
        MkfsScratchFormatter formatter = MkfsScratchFormatter.blank();
        open(formatter);
        List<Mount> extract = sn.prepare("extract-1 sha256:abc", "", Map.of());
        Path dir = Path.of(extract.get(0).source());
        try (var entries = Files.list(dir)) {
            assertEquals(0, entries.count(), "an unpack target starts empty");
        }
        sn.commit("layer", "extract-1 sha256:abc", Map.of(), "");
        sn.view("v", "layer", Map.of());
        try (var entries = Files.list(root.resolve("snapshots"))) {
            assertEquals(List.of(dir), entries.toList(), "a view creates nothing");
        }
        assertEquals(0, formatter.calls.get(), "no template was needed");
    }

    @Test
    void reuseScratchLinksTheOwnersSandbox() throws Exception {
        open(MkfsScratchFormatter.blank());
        Path owner = sandboxOf(sn.prepare("k8s.io/1/pod-abc-sandbox", "", Map.of()));
        Path shared = sandboxOf(sn.prepare("k8s.io/2/container", "", Map.of(
                ScratchLabels.REUSE_SCRATCH, "true", ScratchLabels.OWNER_KEY, "pod-abc")));
        assertTrue(Files.isSymbolicLink(shared));
        assertEquals(owner, Files.readSymbolicLink(shared));

        assertKind(ErrorKind.FAILED_PRECONDITION, () -> sn.prepare("k8s.io/3/container", "", Map.of(
                ScratchLabels.REUSE_SCRATCH, "true", ScratchLabels.OWNER_KEY, "no-such-pod")));
        Path own = sandboxOf(sn.prepare("k8s.io/4/container", "", Map.of(
                ScratchLabels.REUSE_SCRATCH, "false", ScratchLabels.OWNER_KEY, "pod-abc")));
        assertFalse(Files.isSymbolicLink(own), "sharing needs reuse-scratch=true");
    }

    @Test
    void badLabelsAreInvalidArgumentsAndCreateNothing() throws Exception {
        MkfsScratchFormatter formatter = MkfsScratchFormatter.blank();
        open(formatter);
        for (String size : List.of("abc", "-1", "1.5", "", "99999999999")) {
            assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("c", "", Map.of(ScratchLabels.SIZE_GB, size)));
        }
        assertKind(ErrorKind.INVALID_ARGUMENT, () -> sn.prepare("c", "", Map.of(ScratchLabels.LOCATION, "relative/dir")));
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("c"));
        try (var entries = Files.list(root.resolve("snapshots"))) {
            assertEquals(0, entries.count());
        }
        assertEquals(0, formatter.calls.get());
        // containerd reads the labels only for a scratch: an unpack target ignores them.
        sn.prepare("extract-1", "", Map.of(ScratchLabels.SIZE_GB, "abc"));
    }

    @Test
    void withoutAFormatterOnlyCachedTemplatesCanBeUsed() throws Exception {
        open(MkfsScratchFormatter.blank());
        sn.prepare("seed", "", sizeGb(1));
        sn.close();
        open(null);
        LayerdException e = assertThrows(LayerdException.class, () -> sn.prepare("c", "", sizeGb(2)));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("no service VM to format a scratch"), e.getMessage());
        assertKind(ErrorKind.NOT_FOUND, () -> sn.stat("c"));
        assertTrue(Files.isRegularFile(sandboxOf(sn.prepare("c1", "", sizeGb(1)))), "the cached 1 GB template serves");
        sn.prepare("extract-2", "", Map.of());
    }

    private static void assertKind(ErrorKind kind, Executable call) {
        LayerdException e = assertThrows(LayerdException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
    }
}
