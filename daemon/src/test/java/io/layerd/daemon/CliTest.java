package io.layerd.daemon;

import io.layerd.daemon.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI commands that talk to a running daemon, and their errors. */
class CliTest {
    @TempDir
    Path root;

    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void snapshotListShowsKeysKindsParentsAndDirectories() {
        try (TestDaemon d = TestDaemon.start(root)) {
            var s = d.snapshotter("lcow");
            s.prepare("base-a", "", Map.of());
            s.commit("base", "base-a", Map.of(), "");
            s.prepare("container", "base", Map.of());
            s.view("peek", "base", Map.of());
            Run r = cli("snapshot", "list", "--address", d.daemon.address().toString(), "lcow");
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().strip().split("\n");
            assertEquals(4, lines.length, r.out());
            assertTrue(lines[0].matches("SNAPSHOTTER\\s+ID\\s+KIND\\s+KEY\\s+PARENT\\s+DIRECTORY"), lines[0]);
            Path snaps = root.resolve("snapshotters/lcow/snapshots");
            assertTrue(lines[1].matches("lcow\\s+1\\s+committed\\s+base\\s+" + snaps.resolve("1")), lines[1]);
            assertTrue(lines[2].matches("lcow\\s+2\\s+active\\s+container\\s+base\\s+" + snaps.resolve("2")), lines[2]);
            assertTrue(lines[3].matches("lcow\\s+3\\s+view\\s+peek\\s+base"), "a view has no directory: " + lines[3]);

            Run all = cli("snapshot", "list", "--address", d.daemon.address().toString());
            assertEquals(r.out(), all.out(), "cimfs has nothing, so listing all shows the same rows");
        }
    }

    @Test
    void pluginsListsInstances() {
        try (TestDaemon d = TestDaemon.start(root)) {
            Run r = cli("plugins", "--address", d.daemon.address().toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("lcow") && r.out().contains("cimfs") && r.out().contains(root.toString()), r.out());
        }
    }

    @Test
    void anUnknownSnapshotterIsAOneLineError() {
        try (TestDaemon d = TestDaemon.start(root)) {
            Run r = cli("snapshot", "list", "--address", d.daemon.address().toString(), "zfs");
            assertEquals(1, r.code());
            assertTrue(r.err().startsWith("layerd: NOT_FOUND: snapshotter \"zfs\": not found"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void noDaemonSaysHowToStartOne() {
        Run r = cli("plugins", "--address", root.resolve("absent.sock").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("UNAVAILABLE") && r.err().contains("layerd serve"), r.err());
    }

    @Test
    void convertReportsBadInputInOneLineAndWritesNothing() throws Exception {
        java.nio.file.Path tar = root.resolve("broken.tar");
        java.nio.file.Files.write(tar, "definitely not a tar archive".repeat(30).getBytes());
        java.nio.file.Path out = root.resolve("out/layer.vhd");
        Run r = cli("convert", "-i", tar.toString(), "-o", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("layerd: tar header at byte 0"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(java.nio.file.Files.notExists(out));
        try (var s = java.nio.file.Files.list(out.getParent())) {
            assertEquals(0, s.count(), "no temporary file left");
        }
    }

    @Test
    void convertPrintsTheDiffIdAndSizes() throws Exception {
        java.nio.file.Path src = java.nio.file.Files.createDirectories(root.resolve("src"));
        java.nio.file.Files.writeString(src.resolve("hello"), "hello");
        java.nio.file.Path tar = root.resolve("l.tar");
        Process p = new ProcessBuilder("tar", "-cf", tar.toString(), "-C", src.toString(), ".").start();
        assertEquals(0, p.waitFor());
        Run r = cli("convert", "-i", tar.toString(), "-o", root.resolve("layer.vhd").toString(), "--verity");
        assertEquals(0, r.code(), r.err());
        var md = java.security.MessageDigest.getInstance("SHA-256");
        String digest = java.util.HexFormat.of().formatHex(md.digest(java.nio.file.Files.readAllBytes(tar)));
        assertTrue(r.out().contains("diffID:       sha256:" + digest), r.out());
        assertTrue(r.out().matches("(?s).*verity root:  [0-9a-f]{64}.*"), r.out());
        assertEquals("", r.err(), "no progress bar when not on a terminal");
    }

    /** convert is parsed without the rest of the command tree; its help and errors must not show it. */
    @Test
    void convertHelpAndUsageErrorsNameTheWholeCommand() {
        Run help = cli("convert", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("Usage: layerd convert "), help.out());
        assertTrue(help.out().contains("--verity"), help.out());

        Run bad = cli("convert", "--no-such-option", "-i", "x.tar", "-o", "x.vhd");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("Unknown option: '--no-such-option'"), bad.err());

        Run missing = cli("convert", "-o", "x.vhd");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Usage: layerd convert "), missing.err());

        Run viaHelp = cli("help", "convert");
        assertEquals(0, viaHelp.code(), viaHelp.err());
        assertEquals(help.out(), viaHelp.out(), "the same help through the full command tree");
    }

    @Test
    void configDefaultPrintsTheCommentedConfig() {
        Run r = cli("config", "default");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("[plugins.lcow]") && r.out().contains("[plugins.cimfs]") && r.out().contains("[grpc]"), r.out());
    }
}
