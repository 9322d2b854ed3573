package io.layerd.lcow.convert;

import io.layerd.lcow.ext4.E2fsck;
import io.layerd.lcow.ext4.Ext4Writer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The acceptance corpus: a tree with every entry type (255-byte and UTF-8 names, deep paths, a
 * 100,000-entry directory, files around block boundaries, 128 MiB + 1, a 46 GiB sparse file
 * with 1,500 extents, 65,000 hard links, devices, FIFOs, binary xattrs, nanosecond mtimes) is
 * archived by GNU tar; the image layerd writes from that tar passes {@code e2fsck -fn}
 * silently and, loop-mounted read-only, equals GNU tar's own extraction of the same tar.
 */
class LayerCorpusIT {
    @TempDir
    static Path work;
    static Path tar;
    static TreeSnapshot expected;

    @BeforeAll
    static void corpus() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root (mknod, chown, trusted.* xattrs, loop mounts); scripts/test.sh runs as root");
        E2fsck.assumeAvailable();
        Path src = work.resolve("src");
        Corpus.build(src, Corpus.Scale.ACCEPTANCE);
        tar = work.resolve("corpus.tar");
        Corpus.run("tar", "--create", "--file", tar.toString(), "--format=posix", "--sparse", "--xattrs",
                "--xattrs-include=*", "--numeric-owner", "-C", src.toString(), ".");
        Path extracted = work.resolve("gnu");
        Files.createDirectories(extracted);
        Corpus.run("tar", "--extract", "--file", tar.toString(), "--xattrs", "--xattrs-include=*", "--numeric-owner",
                "--same-owner", "--same-permissions", "-C", extracted.toString());
        expected = TreeSnapshot.of(extracted, p -> true);
        assertTrue(expected.entries().size() > 165_000, "the corpus is complete: " + expected.entries().size());
    }

    @ParameterizedTest(name = "inline data {0}")
    @ValueSource(booleans = {false, true})
    void imageEqualsGnuTarExtraction(boolean inline) throws Exception {
        Path image = work.resolve("layer-" + inline + ".vhd");
        LayerVhdWriter.Result r;
        try (InputStream in = Files.newInputStream(tar)) {
            r = LayerVhdWriter.write(in, image, new LayerVhdWriter.Options(true, false, true,
                    new Ext4Writer.Options(Ext4Writer.Options.DEFAULT_MAX_DISK_SIZE, inline)), TarToExt4.Progress.NONE);
        }
        assertEquals(Files.size(tar), r.tarBytes());
        assertEquals("sha256:" + sha256(tar), r.diffId());
        assertEquals(r.ext4Bytes() + 512, Files.size(image), "ext4 image + VHD footer");
        E2fsck.assertClean(image);
        Path mnt = work.resolve("mnt-" + inline);
        Files.createDirectories(mnt);
        Corpus.run("mount", "-o", "loop,ro", "-t", "ext4", image.toString(), mnt.toString());
        try {
            TreeSnapshot actual = TreeSnapshot.of(mnt, p -> !p.equals("lost+found"));
            assertSame(expected, actual);
        } finally {
            Corpus.run("umount", mnt.toString());
        }
    }

    private static void assertSame(TreeSnapshot expected, TreeSnapshot actual) {
        List<String> diffs = new ArrayList<>();
        for (var e : expected.entries().entrySet()) {
            String a = actual.entries().get(e.getKey());
            if (!e.getValue().equals(a)) {
                diffs.add(e.getKey() + "\n   tar:  " + e.getValue() + "\n   ext4: " + a);
            }
        }
        for (String k : actual.entries().keySet()) {
            if (!expected.entries().containsKey(k)) {
                diffs.add(k + ": only in the image");
            }
        }
        assertTrue(diffs.isEmpty(), diffs.size() + " differences, first: " + String.join("\n", diffs.subList(0, Math.min(10, diffs.size()))));
        assertEquals(expected.hardLinkGroups(), actual.hardLinkGroups(), "hard-link identity");
    }

    static String sha256(Path p) throws Exception {
        var md = java.security.MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 20];
            for (int n; (n = in.read(b)) > 0; ) {
                md.update(b, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}
