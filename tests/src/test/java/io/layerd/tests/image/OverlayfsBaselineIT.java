package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The test images, imported into real containerd and unpacked by its own overlayfs snapshotter:
 * checks that the archives are valid OCI and that their whiteouts, hard links and xattrs mean
 * what the unpack tests will expect of LCOW layers. (The reference tree the LCOW comparison uses.)
 */
class OverlayfsBaselineIT {
    @RegisterExtension
    final ContainerdFixture containerd = new ContainerdFixture();

    @TempDir
    Path tmp;

    @Test
    void multiLayerImageUnpacksAsSpecifiedWithContainerdsOverlayfs() throws Exception {
        Path archive = tmp.resolve("multi.tar");
        OciImageBuilder.Image image = TestImages.multiLayer(archive);
        containerd.step("ctr image import");
        CommandResult imported = containerd.ctr("image", "import", "--snapshotter", "overlayfs", archive.toString());
        assertTrue(imported.ok(), imported.describe());
        assertTrue(containerd.ctr("image", "ls", "-q").stdout().contains(image.name()));

        containerd.step("view the top layer");
        String chainId = chainId(image.diffIds());
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        // --target prints the mount in the same call: a view carries no gc.root label, and
        // containerd's collector may remove it right after (the lower layers stay, with the image).
        CommandResult mounts = containerd.ctr("snapshots", "--snapshotter", "overlayfs", "view", "--target", mnt.toString(),
                "baseline-view", chainId);
        assertTrue(mounts.ok(), mounts.describe());
        List<String> mountCommand = new ArrayList<>(List.of(mounts.stdout().trim().split("\\s+")));
        CommandResult mounted = Commands.run(Duration.ofSeconds(30), mountCommand);
        assertTrue(mounted.ok(), mounted.describe());
        try {
            assertEquals(new TreeSet<>(List.of("bin", "data", "dev-null", "etc", "home", "opt", "pipe", "usr", "var")), names(mnt));
            assertEquals(new TreeSet<>(List.of("hostname", "motd")), names(mnt.resolve("etc")), "etc/passwd whited out");
            assertEquals("changed\n", Files.readString(mnt.resolve("etc/hostname")));
            assertEquals(new TreeSet<>(List.of("NEW")), names(mnt.resolve("usr/share/doc")), "deleted dir re-created holds only new files");
            assertEquals(new TreeSet<>(List.of("c")), names(mnt.resolve("var/cache")), "opaque directory");
            assertTrue(Files.isRegularFile(mnt.resolve("opt/app"), LinkOption.NOFOLLOW_LINKS), "directory replaced by a file");
            assertEquals(new TreeSet<>(List.of("ping", "sh", "tool")), names(mnt.resolve("bin")), "one name of a hard link whited out");
            assertEquals("tool", Files.readSymbolicLink(mnt.resolve("bin/sh")).toString());
            assertEquals(04755, mode(mnt.resolve("bin/tool")));
            assertEquals(Files.getAttribute(mnt.resolve("data/large.bin"), "unix:ino"), Files.getAttribute(mnt.resolve("data/large-link"), "unix:ino"));
            assertEquals(TestImages.LARGE_FILE_BYTES, Files.size(mnt.resolve("data/large.bin")));
            assertEquals(1000, Files.getAttribute(mnt.resolve("home/user"), "unix:uid"));
            CommandResult cap = Commands.run(Duration.ofSeconds(10), List.of("getfattr", "--absolute-names", "-e", "hex", "-n",
                    "security.capability", mnt.resolve("bin/ping").toString()));
            assertTrue(cap.ok() && cap.stdout().contains("0x0100000200040000"), cap.describe());
            CommandResult user = Commands.run(Duration.ofSeconds(10), List.of("getfattr", "--absolute-names", "-e", "text", "-n",
                    "user.note", mnt.resolve("etc/motd").toString()));
            assertTrue(user.ok() && user.stdout().contains("\"hello\""), user.describe());
            assertFalse(names(mnt).contains(".wh..wh..opq"));
        } finally {
            Commands.run(Duration.ofSeconds(30), List.of("umount", mnt.toString()));
        }
    }

    /** containerd's chain id: the first layer's diffID, then sha256("<parent chain> <diffID>"). */
    static String chainId(List<String> diffIds) throws Exception {
        String chain = diffIds.get(0);
        for (String d : diffIds.subList(1, diffIds.size())) {
            chain = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((chain + " " + d).getBytes(StandardCharsets.UTF_8)));
        }
        return chain;
    }

    private static TreeSet<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static int mode(Path p) throws Exception {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
    }

}
