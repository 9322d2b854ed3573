package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.server.Daemon;
import io.layerd.tests.CliRun;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * containerd 1.6 + layerd: an image imported into containerd is unpacked into LCOW layers by
 * {@code layerd image unpack}; containerd records the chain; every layer.vhd is clean ext4; and
 * the layers mounted as overlay lowers give exactly the tree containerd's own overlayfs unpack
 * gives for the same image.
 */
class ImageUnpackIT {
    @RegisterExtension
    final ContainerdFixture containerd = new ContainerdFixture("[content]\ncontainerd_address = \"@CONTAINERD@\"\n");

    @TempDir
    Path tmp;

    @Test
    void unpackedLcowLayersReproduceContainerdsOverlayfsTree() throws Exception {
        Path archive = tmp.resolve("multi.tar");
        unpackAndCompare(archive, TestImages.multiLayer(archive));
    }

    /** Thousands of real files (shared libraries, python modules, zoneinfo, /etc) in two layers. */
    @Test
    void realisticRootFilesystemImage() throws Exception {
        Path archive = tmp.resolve("rootfs.tar");
        unpackAndCompare(archive, RealisticImage.build("layerd.test/rootfs:1", RealisticImage.BASE, RealisticImage.TOP,
                Files.createDirectories(tmp.resolve("work")), archive));
    }

    private void unpackAndCompare(Path archive, OciImageBuilder.Image image) throws Exception {
        int layerCount = image.diffIds().size();
        List<String> chain = LcowUnpack.importAndUnpack(containerd, archive, image);

        containerd.step("ctr snapshots tree");
        CommandResult tree = containerd.snapshots("tree");
        assertTrue(tree.ok(), tree.describe());
        for (String id : chain) {
            assertTrue(tree.stdout().contains(id), "containerd records " + id + ":\n" + tree.describe());
        }

        containerd.step("e2fsck every layer.vhd");
        List<Path> layers = new ArrayList<>();
        for (Path dir : containerd.snapshotDirs()) {
            Path vhd = dir.resolve("layer.vhd");
            if (Files.exists(vhd)) {
                layers.add(vhd);
                CommandResult fsck = Commands.run(Duration.ofMinutes(2), List.of("e2fsck", "-fn", vhd.toString()));
                assertEquals(0, fsck.exitCode(), fsck.describe());
            }
        }
        assertEquals(layerCount, layers.size(), "one layer.vhd per layer");

        containerd.step("unpack again: nothing to do");
        CliRun again = LcowUnpack.unpack(containerd, image.name());
        assertTrue(again.out().contains("0 layer(s) applied, " + layerCount + " already there"), again.text());

        containerd.step("standalone layerd image import gives the same layers");
        CommandResult ctrImages = containerd.ctr("images", "ls");
        String ctrDigest = ctrImages.stdout().lines().filter(l -> l.startsWith(image.name() + " ")).map(l -> l.split("\\s+")[2])
                .findFirst().orElseThrow(() -> new AssertionError("ctr images ls lists " + image.name() + ":\n" + ctrImages.describe()));
        assertEquals(sha256s(orderByChain(layers, chain)), standaloneImport(archive, layerCount, image.name(), ctrDigest,
                chain.get(chain.size() - 1)));

        containerd.step("compare with containerd's overlayfs unpack");
        CommandResult native_ = containerd.ctr("image", "import", "--snapshotter", "overlayfs", archive.toString());
        assertTrue(native_.ok(), native_.describe());
        Path reference = Files.createDirectories(tmp.resolve("overlayfs"));
        CommandResult view = containerd.ctr("snapshots", "--snapshotter", "overlayfs", "view", "--target", reference.toString(),
                "reference", chain.get(chain.size() - 1));
        assertTrue(view.ok(), view.describe());
        assertTrue(Commands.run(Duration.ofSeconds(30), List.of(view.stdout().trim().split("\\s+"))).ok());
        List<Path> mounted = new ArrayList<>();
        Path lcow = Files.createDirectories(tmp.resolve("lcow"));
        try {
            // layer.vhd of the top layer first: overlay's lowerdir lists the uppermost lower first.
            List<Path> ordered = orderByChain(layers, chain);
            List<String> lowers = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i++) {
                Path m = Files.createDirectories(tmp.resolve("l" + i));
                CommandResult mount = Commands.run(Duration.ofSeconds(30), List.of("mount", "-t", "ext4", "-o", "ro,loop,noload",
                        ordered.get(i).toString(), m.toString()));
                assertTrue(mount.ok(), mount.describe());
                mounted.add(m);
                lowers.add(m.toString());
            }
            Collections.reverse(lowers);
            CommandResult overlay = Commands.run(Duration.ofSeconds(30), List.of("mount", "-t", "overlay", "overlay", "-o",
                    "lowerdir=" + String.join(":", lowers), lcow.toString()));
            assertTrue(overlay.ok(), overlay.describe());
            mounted.add(0, lcow);
            Map<String, String> expected = comparable(TreeCapture.of(reference));
            Map<String, String> actual = comparable(TreeCapture.of(lcow));
            // Every LCOW layer is an ext4 file system, whose root holds lost+found (as hcsshim's
            // tar2ext4 writes it too); containerd's tree has none.
            assertTrue(actual.remove("lost+found") != null, "lost+found of the ext4 layers");
            assertEquals(List.of(), TreeCapture.differences(expected, actual));
        } finally {
            for (Path m : mounted) {
                Commands.run(Duration.ofSeconds(30), List.of("umount", m.toString()));
            }
            Commands.run(Duration.ofSeconds(30), List.of("umount", reference.toString()));
        }
    }

    /**
     * Drops what the two trees may rightly differ in: the mount roots themselves, and trusted.*
     * xattrs, which containerd 1.6's applier was seen not to restore while LCOW layers keep every
     * xattr of the tar (checked against GNU tar in the layer-format tests).
     */
    private static Map<String, String> comparable(Map<String, String> tree) {
        Map<String, String> out = new java.util.TreeMap<>();
        tree.forEach((path, line) -> {
            if (!path.equals(".")) {
                out.put(path, line.replaceAll(" xattr:trusted\\.[^ ]*", ""));
            }
        });
        return out;
    }

    /**
     * Imports the archive into a layerd of its own (no containerd), twice (the second finds every
     * layer there); checks that {@code layerd image ls} records the image as containerd does (name,
     * target digest) with its top chain id; returns its layer files' digests.
     */
    private List<String> standaloneImport(Path archive, int layerCount, String name, String digest, String topChainId) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "ldi");
        try (Daemon alone = Daemon.start(ConfigLoader.parse("", root, "standalone import"))) {
            CliRun run = CliRun.of("image", "import", "--address", alone.address().toString(), archive.toString());
            assertEquals(0, run.exit(), run.text());
            assertTrue(run.out().contains(layerCount + " layer(s) applied"), run.text());
            CliRun again = CliRun.of("image", "import", "--address", alone.address().toString(), archive.toString());
            assertTrue(again.out().contains("0 layer(s) applied, " + layerCount + " already there"), again.text());
            CliRun ls = CliRun.of("image", "ls", "--address", alone.address().toString());
            assertEquals(0, ls.exit(), ls.text());
            List<String> rows = ls.out().lines().skip(1).toList();
            assertEquals(1, rows.size(), "one record per image name, however often imported:\n" + ls.text());
            assertEquals(List.of(name, digest, "lcow", topChainId), List.of(rows.get(0).split("\\s+")).subList(0, 4), ls.text());
            List<Path> files = new ArrayList<>();
            try (Stream<Path> dirs = Files.list(root.resolve("snapshotters/lcow/snapshots"))) {
                for (Path d : dirs.toList()) {
                    if (Files.exists(d.resolve("layer.vhd"))) {
                        files.add(d.resolve("layer.vhd"));
                    }
                }
            }
            return sha256s(orderByChain(files, Collections.nCopies(layerCount, "")));
        } finally {
            Commands.run(Duration.ofSeconds(30), List.of("rm", "-rf", root.toString()));
        }
    }

    private static List<String> sha256s(List<Path> files) throws Exception {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            CommandResult r = Commands.run(Duration.ofMinutes(2), List.of("sha256sum", f.toString()));
            out.add(r.stdout().split(" ")[0]);
        }
        return out;
    }

    /** The layer files in chain order (base first), matched by the snapshot ids layerd gave them. */
    private List<Path> orderByChain(List<Path> layers, List<String> chain) {
        List<Path> sorted = new ArrayList<>(layers);
        sorted.sort((a, b) -> Long.compare(Long.parseLong(a.getParent().getFileName().toString()),
                Long.parseLong(b.getParent().getFileName().toString())));
        assertEquals(chain.size(), sorted.size());
        return sorted;
    }
}
