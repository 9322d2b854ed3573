package io.layerd.lcow.convert;

import io.layerd.lcow.ext4.E2fsck;
import io.layerd.lcow.ext4.Ext4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The layer file as other tools see it: qemu-img, veritysetup, and the kernel's overlayfs. */
class LayerFileIT {
    @TempDir
    Path dir;

    static byte[] layerTar() {
        return new TarBuilder()
                .dir("etc/").file("etc/hosts", "127.0.0.1 localhost\n".getBytes())
                .dir("opt/").file("opt/tool", new byte[100_000])
                .build();
    }

    static LayerVhdWriter.Result convert(byte[] tar, Path out, boolean verity, boolean whiteouts) throws IOException {
        return LayerVhdWriter.write(new ByteArrayInputStream(tar), out,
                new LayerVhdWriter.Options(whiteouts, verity, true, Ext4Writer.Options.defaults()), TarToExt4.Progress.NONE);
    }

    record Run(int code, String out) {
    }

    static Run run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " timed out");
        return new Run(p.exitValue(), out);
    }

    static boolean has(String tool) {
        try {
            return run("which", tool).code() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void qemuSeesAFixedVpcImageOfTheExt4Size() throws Exception {
        assumeTrue(has("qemu-img"), "qemu-img missing: apt-get install qemu-utils (scripts/test.sh does)");
        Path vhd = dir.resolve("layer.vhd");
        LayerVhdWriter.Result r = convert(layerTar(), vhd, false, true);
        Run info = run("qemu-img", "info", "--output=json", "-f", "vpc", vhd.toString());
        assertEquals(0, info.code(), info.out());
        assertTrue(info.out().contains("\"format\": \"vpc\""), info.out());
        assertTrue(info.out().contains("\"virtual-size\": " + r.ext4Bytes() + ","), "virtual size = ext4 size " + r.ext4Bytes() + ": " + info.out());
        Run fixed = run("qemu-img", "info", vhd.toString());
        assertTrue(fixed.out().contains("vpc") || fixed.out().contains("raw"), fixed.out());
        E2fsck.assertClean(vhd);
    }

    @Test
    void veritysetupAcceptsOurTreeAndRootHash() throws Exception {
        assumeTrue(has("veritysetup"), "veritysetup missing: apt-get install cryptsetup-bin (scripts/test.sh does)");
        Path vhd = dir.resolve("layer.vhd");
        LayerVhdWriter.Result r = convert(layerTar(), vhd, true, true);
        assertTrue(r.verityRoot().matches("[0-9a-f]{64}"), r.verityRoot());
        Run ok = run("veritysetup", "verify", vhd.toString(), vhd.toString(), r.verityRoot(), "--hash-offset=" + r.ext4Bytes());
        assertEquals(0, ok.code(), ok.out());
        Run wrongRoot = run("veritysetup", "verify", vhd.toString(), vhd.toString(), "0".repeat(64), "--hash-offset=" + r.ext4Bytes());
        assertNotEquals(0, wrongRoot.code(), "a wrong root hash is rejected");
        E2fsck.assertClean(vhd);
    }

    @Test
    void sameTarSameBytes() throws Exception {
        Path a = dir.resolve("a.vhd");
        Path b = dir.resolve("b.vhd");
        convert(layerTar(), a, true, true);
        convert(layerTar(), b, true, true);
        assertEquals(-1, Files.mismatch(a, b), "deterministic output, footer and verity included");
    }

    /**
     * Whiteouts and opaque directories as overlayfs reads them: the layer mounted as the upper
     * lower-dir over a base layer hides what its whiteouts name.
     */
    @Test
    void whiteoutsHideLowerFilesUnderOverlayfs() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for loop and overlay mounts");
        byte[] base = new TarBuilder()
                .dir("etc/").file("etc/keep", "k".getBytes()).file("etc/gone", "g".getBytes())
                .dir("var/").dir("var/cache/").file("var/cache/old1", "1".getBytes()).file("var/cache/old2", "2".getBytes())
                .build();
        byte[] top = new TarBuilder()
                .dir("etc/").file("etc/.wh.gone", new byte[0]).file("etc/new", "n".getBytes())
                .dir("var/cache/").file("var/cache/.wh..wh..opq", new byte[0]).file("var/cache/fresh", "f".getBytes())
                .build();
        Path lower = dir.resolve("lower.vhd");
        Path upper = dir.resolve("upper.vhd");
        convert(base, lower, false, true);
        convert(top, upper, false, true);
        E2fsck.assertClean(upper);
        Path l = Files.createDirectories(dir.resolve("l"));
        Path u = Files.createDirectories(dir.resolve("u"));
        Path merged = Files.createDirectories(dir.resolve("merged"));
        assertEquals(0, run("mount", "-o", "loop,ro", lower.toString(), l.toString()).code());
        try {
            assertEquals(0, run("mount", "-o", "loop,ro", upper.toString(), u.toString()).code());
            try {
                Run m = run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + u + ":" + l, merged.toString());
                assertEquals(0, m.code(), m.out());
                try {
                    assertTrue(Files.exists(merged.resolve("etc/keep")));
                    assertTrue(Files.exists(merged.resolve("etc/new")));
                    assertFalse(Files.exists(merged.resolve("etc/gone"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "whiteout hides etc/gone");
                    assertFalse(Files.exists(merged.resolve("var/cache/old1")), "opaque directory hides the lower contents");
                    assertFalse(Files.exists(merged.resolve("var/cache/old2")));
                    assertTrue(Files.exists(merged.resolve("var/cache/fresh")));
                    assertFalse(Files.exists(merged.resolve("etc/.wh.gone")), "the marker itself is not a file");
                } finally {
                    run("umount", merged.toString());
                }
                // In the layer itself: a 0/0 character device and the opaque xattr.
                var attrs = Files.readAttributes(u.resolve("etc/gone"), "unix:mode,rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                assertEquals(0020000, (int) attrs.get("mode"), "whiteout is a character device with mode 0");
                assertEquals(0L, (long) attrs.get("rdev"));
                assertEquals("y", new String(Posix.getXattr(u.resolve("var/cache"), "trusted.overlay.opaque")));
            } finally {
                run("umount", u.toString());
            }
        } finally {
            run("umount", l.toString());
        }
        // Switched off, the markers are kept verbatim.
        Path verbatim = dir.resolve("verbatim.vhd");
        convert(top, verbatim, false, false);
        Path v = Files.createDirectories(dir.resolve("v"));
        assertEquals(0, run("mount", "-o", "loop,ro", verbatim.toString(), v.toString()).code());
        try {
            assertTrue(Files.isRegularFile(v.resolve("etc/.wh.gone")));
            assertTrue(Files.isRegularFile(v.resolve("var/cache/.wh..wh..opq")));
        } finally {
            run("umount", v.toString());
        }
    }
}
