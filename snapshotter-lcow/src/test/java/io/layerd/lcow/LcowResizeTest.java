package io.layerd.lcow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.lcow.scratch.ScratchFormatter;
import io.layerd.lcow.scratch.ScratchLabels;
import io.layerd.lcow.scratch.ScratchResizer;
import io.layerd.lcow.vhd.VhdxFile;
import io.layerd.lcow.vhd.VhdxGrow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A size label that grows on an active container grows its scratch; one that shrinks is refused. */
class LcowResizeTest {
    private static final ScratchFormatter MARKED = vhdx -> {
        try (VhdxFile disk = VhdxFile.open(vhdx, true)) {
            disk.write(5L << 20, ByteBuffer.wrap("data written by the container".getBytes()));
        }
    };

    @TempDir
    Path root;

    private final List<Long> grownTo = new ArrayList<>();
    private IOException failure;

    /** The host half of the real resizer (the VM's resize2fs aside). */
    private final ScratchResizer resizer = (sandbox, target, size, owner) -> {
        if (failure != null) {
            throw failure;
        }
        VhdxGrow.copy(sandbox, target, size);
        grownTo.add(size);
    };

    private LcowSnapshotter snapshotter(Optional<ScratchResizer> r) {
        return new LcowSnapshotter(root, Optional.of(MARKED), Optional.empty(), r, LcowLayerSettings.defaults());
    }

    private static Info withSize(String key, String gb) {
        return Info.ofLabels(key, Map.of(ScratchLabels.SIZE_GB, gb));
    }

    private Path sandboxOf(LcowSnapshotter s, String key) {
        return Path.of(s.mounts(key).get(0).source()).resolve(LcowLayout.SANDBOX);
    }

    @Test
    void aLargerSizeLabelGrowsTheScratchKeepingItsData() throws Exception {
        try (LcowSnapshotter s = snapshotter(Optional.of(resizer))) {
            s.prepare("c", "", Map.of(ScratchLabels.SIZE_GB, "1"));
            s.update(withSize("c", "3"), List.of("labels." + ScratchLabels.SIZE_GB));
            assertEquals(List.of(3L << 30), grownTo);
            try (VhdxFile disk = VhdxFile.open(sandboxOf(s, "c"), false)) {
                assertEquals(3L << 30, disk.virtualSize());
                ByteBuffer read = ByteBuffer.allocate(29);
                disk.read(5L << 20, read);
                assertEquals("data written by the container", new String(read.array()));
            }
            assertEquals("3", s.stat("c").labels().get(ScratchLabels.SIZE_GB));
            s.update(withSize("c", "3"), List.of("labels." + ScratchLabels.SIZE_GB));
            assertEquals(1, grownTo.size(), "the same size again: nothing to do");
            assertNoLeftovers();
        }
    }

    @Test
    void shrinkingIsRefusedAndChangesNothing() throws Exception {
        try (LcowSnapshotter s = snapshotter(Optional.of(resizer))) {
            s.prepare("c", "", Map.of(ScratchLabels.SIZE_GB, "2"));
            LayerdException e = assertThrows(LayerdException.class,
                    () -> s.update(withSize("c", "1"), List.of("labels." + ScratchLabels.SIZE_GB)));
            assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("shrinking is refused") && e.getMessage().contains("2 GB"), e.getMessage());
            assertEquals("2", s.stat("c").labels().get(ScratchLabels.SIZE_GB), "the label is not recorded");
            assertEquals(List.of(), grownTo);
        }
    }

    @Test
    void aFailedGrowKeepsTheOldScratchAndLabel() throws Exception {
        try (LcowSnapshotter s = snapshotter(Optional.of(resizer))) {
            s.prepare("c", "", Map.of(ScratchLabels.SIZE_GB, "1"));
            Path sandbox = sandboxOf(s, "c");
            byte[] before = Files.readAllBytes(sandbox);
            failure = new IOException("the service VM died");
            assertThrows(RuntimeException.class, () -> s.update(withSize("c", "2"), List.of("labels." + ScratchLabels.SIZE_GB)));
            assertEquals("1", s.stat("c").labels().get(ScratchLabels.SIZE_GB));
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(sandbox)), "the scratch is untouched");
            assertNoLeftovers();
        }
    }

    @Test
    void withoutAServiceVmGrowingIsAFailedPrecondition() throws Exception {
        try (LcowSnapshotter s = snapshotter(Optional.empty())) {
            s.prepare("c", "", Map.of(ScratchLabels.SIZE_GB, "1"));
            LayerdException e = assertThrows(LayerdException.class,
                    () -> s.update(withSize("c", "2"), List.of("labels." + ScratchLabels.SIZE_GB)));
            assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
            s.update(Info.ofLabels("c", Map.of("other", "x")), List.of("labels.other")); // other labels are unaffected
        }
    }

    private void assertNoLeftovers() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith("grow-")).toList());
        }
    }
}
