package io.layerd.lcow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.tar.TarWriter;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchFormatter;
import io.layerd.lcow.scratch.ScratchLayout;
import io.layerd.lcow.scratch.ScriptedScratchExporter;
import io.layerd.lcow.vhd.VhdxFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Commit of a container snapshot: the scratch's upper dir (from a stand-in for the service VM's
 * export) becomes the snapshot's layer.vhd — a clean ext4 with overlay whiteouts — the scratch goes,
 * and a failed export leaves the snapshot active and untouched.
 */
class LcowCommitTest {
    @TempDir
    Path root;

    /** A "formatted" template: what matters on the host is the ext4 magic in the superblock. */
    private static final ScratchFormatter EXT4_MAGIC = vhdx -> {
        try (VhdxFile disk = VhdxFile.open(vhdx, true)) {
            disk.write(1080, ByteBuffer.wrap(new byte[] {0x53, (byte) 0xEF}));
        }
    };

    private final ScriptedScratchExporter exporter = new ScriptedScratchExporter();

    private LcowSnapshotter snapshotter(Optional<ScratchExporter> export) {
        return new LcowSnapshotter(root, Optional.of(EXT4_MAGIC), export, LcowLayerSettings.defaults());
    }

    private static byte[] containerChanges() throws IOException {
        Instant t = Instant.parse("2026-11-24T12:00:00Z");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out);
        w.putEntry(TarWriter.Entry.directory("etc").withMtime(t));
        w.putEntry(TarWriter.Entry.charDevice("etc/passwd", 0, 0).withMode(0).withMtime(t));
        w.putFile(TarWriter.Entry.file("etc/hostname", 10).withMtime(t).withOwner(1000, 1000),
                new ByteArrayInputStream("container\n".getBytes(StandardCharsets.UTF_8)));
        w.putEntry(TarWriter.Entry.directory("var").withMtime(t));
        w.putEntry(TarWriter.Entry.directory("var/cache").withMtime(t).withXattrs(Map.of("trusted.overlay.opaque", new byte[] {'y'})));
        w.finish();
        return out.toByteArray();
    }

    private Path dirOf(LcowSnapshotter sn, String key) {
        return Path.of(sn.mounts(key).get(0).source());
    }

    private static String debugfs(Path image, String request) throws Exception {
        Process p = new ProcessBuilder("debugfs", "-R", request, image.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start(); // stderr: its banner
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void theScratchBecomesACleanLayerAndGoes() throws Exception {
        exporter.answer(containerChanges());
        try (LcowSnapshotter sn = snapshotter(Optional.of(exporter))) {
            sn.prepare("container", "", Map.of());
            Path dir = dirOf(sn, "container");
            sn.commit("image-layer", "container", Map.of(), null);

            assertEquals(List.of(dir.getFileName() + ":upper"), exporter.exports(), "the container's own scratch, its upper dir");
            assertEquals(Kind.COMMITTED, sn.stat("image-layer").kind());
            Path layer = dir.resolve(LcowLayout.LAYER);
            assertTrue(Files.isRegularFile(layer));
            assertFalse(Files.exists(dir.resolve(LcowLayout.SANDBOX)), "the scratch is discarded after the commit");
            Process fsck = new ProcessBuilder("e2fsck", "-fn", layer.toString()).redirectErrorStream(true).start();
            String fsckOut = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, fsck.waitFor(), fsckOut);
            assertEquals("container\n", debugfs(layer, "cat /etc/hostname"));
            assertTrue(debugfs(layer, "stat /etc/passwd").contains("Type: character special"), "the deletion is an overlay whiteout");
            assertTrue(debugfs(layer, "ea_list /var/cache").contains("trusted.overlay.opaque"), "the opaque dir stays opaque");
            long used = sn.usage("image-layer").size();
            assertTrue(used > 0 && used <= Files.size(layer) + 4096, "usage counts the layer, not the discarded scratch: " + used);

            // The committed container is a parent like an unpacked layer.
            sn.prepare("child", "image-layer", Map.of());
            assertTrue(sn.mounts("child").get(0).options().get(1).contains(dir.toString()));
        }
    }

    @Test
    void aPerContainerDirectoryLabelNamesWhereTheUpperIs() throws Exception {
        exporter.answer(containerChanges());
        try (LcowSnapshotter sn = snapshotter(Optional.of(exporter))) {
            sn.prepare("container", "", Map.of(ScratchLayout.SUBDIRECTORY_LABEL, "c1"));
            Path dir = dirOf(sn, "container");
            sn.commit("layer", "container", Map.of(), null);
            assertEquals(List.of(dir.getFileName() + ":c1/upper"), exporter.exports());
            LayerdException bad = assertThrows(LayerdException.class,
                    () -> sn.prepare("other", "", Map.of(ScratchLayout.SUBDIRECTORY_LABEL, "../x")));
            assertEquals(ErrorKind.INVALID_ARGUMENT, bad.kind());
        }
    }

    @Test
    void theVmDyingMidExportCommitsNothingAndTheRetrySucceeds() throws Exception {
        exporter.answer(containerChanges());
        exporter.failAfter(700, LayerdException.unavailable("service VM global-1 exited during the request")); // some bytes, then the VM dies
        try (LcowSnapshotter sn = snapshotter(Optional.of(exporter))) {
            sn.prepare("container", "", Map.of());
            Path dir = dirOf(sn, "container");
            LayerdException e = assertThrows(LayerdException.class, () -> sn.commit("layer", "container", Map.of(), null));
            assertEquals(ErrorKind.UNAVAILABLE, e.kind(), e.getMessage());
            assertEquals(Kind.ACTIVE, sn.stat("container").kind(), "still active");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(LcowLayout.SANDBOX), files.map(p -> p.getFileName().toString()).toList(),
                        "no layer.vhd, no temporary file; the scratch is intact");
            }

            exporter.failAfter(0, null);
            sn.commit("layer", "container", Map.of(), null);
            assertEquals(Kind.COMMITTED, sn.stat("layer").kind());
            assertTrue(Files.isRegularFile(dir.resolve(LcowLayout.LAYER)));
        }
    }

    @Test
    void withoutAServiceVmAFormattedScratchCannotBeCommitted() {
        try (LcowSnapshotter sn = snapshotter(Optional.empty())) {
            sn.prepare("container", "", Map.of());
            LayerdException e = assertThrows(LayerdException.class, () -> sn.commit("layer", "container", Map.of(), null));
            assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("[servicevm]"), e.getMessage());
            assertEquals(Kind.ACTIVE, sn.stat("container").kind());
        }
    }

    @Test
    void aNeverFormattedScratchIsCommittedAsItIsWithoutTheVm() {
        try (LcowSnapshotter sn = new LcowSnapshotter(root, Optional.of(vhdx -> { }), Optional.empty(), LcowLayerSettings.defaults())) {
            sn.prepare("container", "", Map.of());
            Path dir = dirOf(sn, "container");
            sn.commit("layer", "container", Map.of(), null);
            assertEquals(Kind.COMMITTED, sn.stat("layer").kind());
            assertFalse(Files.exists(dir.resolve(LcowLayout.LAYER)), "nothing to convert");
        }
    }
}
