package io.layerd.daemon;

import io.layerd.cimfs.testing.ExpectedLayer;
import io.layerd.cimfs.testing.WindowsLayerTarBuilder;
import io.layerd.core.content.Digests;
import io.layerd.core.tar.TarWriter;
import io.layerd.daemon.CliTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.layerd.daemon.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code layerd convert --format cim} and {@code layerd cim ls|stat|cat|tree} on generated Windows layers. */
class CimCliTest {
    @TempDir
    Path dir;

    interface Body {
        void write(WindowsLayerTarBuilder b) throws IOException;
    }

    private Path tar(String name, Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WindowsLayerTarBuilder b = new WindowsLayerTarBuilder(out, new ExpectedLayer())) {
            body.write(b);
        }
        return Files.write(dir.resolve(name), out.toByteArray());
    }

    private static byte[] cat(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            Run r = cli(args);
            assertEquals(0, r.code(), r.err());
        } finally {
            System.setOut(saved);
        }
        return bytes.toByteArray();
    }

    @Test
    void convertsLayersIntoForkedCimsAndReadsThemBack() throws IOException {
        Path base = tar("base.tar", b -> b.directory("Files", 0).file("Files/a.txt", "alpha".getBytes(StandardCharsets.UTF_8), 0x21)
                .file("Files/gone.txt", 3, 1, 0, Map.of()).directory("Files/dir", 0x2));
        Path child = tar("child.tar", b -> b.whiteout("Files/gone.txt")
                .file("Files/dir/b.bin", 10_000, 2, 0x20, Map.of("USER.X", new byte[]{1, 2}))
                .stream("Files/dir/b.bin", "Zone.Identifier", "zone".getBytes(StandardCharsets.UTF_8), false)
                .symlink("Files/link", "a.txt", false, false));
        Path cims = Files.createDirectories(dir.resolve("cims"));
        Run r1 = cli("convert", "--format", "cim", "-i", base.toString(), "-o", cims.resolve("1.cim").toString());
        assertEquals(0, r1.code(), r1.err());
        assertTrue(r1.out().contains("diffID:       " + Digests.of(Files.readAllBytes(base))), r1.out());
        Run r2 = cli("convert", "--format", "cim", "-i", child.toString(), "-o", cims.resolve("2.cim").toString(),
                "--parent", cims.resolve("1.cim").toString());
        assertEquals(0, r2.code(), r2.err());
        assertTrue(r2.out().contains("forked from 1.cim"), r2.out());

        String image = cims.resolve("2.cim").toString();
        Run ls = cli("cim", "ls", image, "Files");
        assertEquals(0, ls.code(), ls.err());
        assertTrue(ls.out().contains("a.txt") && ls.out().contains("dir") && ls.out().contains("link -> a.txt"), ls.out());
        assertTrue(!ls.out().contains("gone.txt"), "the whiteout deleted it in the fork:\n" + ls.out());
        assertEquals(4, ls.out().lines().count(), "a header and three entries:\n" + ls.out());
        Run stat = cli("cim", "stat", image, "files\\DIR\\B.BIN");
        assertEquals(0, stat.code(), stat.err());
        assertTrue(stat.out().contains("size:          10000") && stat.out().contains("EA:            USER.X = 0102")
                && stat.out().contains("stream:        :Zone.Identifier (4 bytes)") && stat.out().contains("attributes:    0x00000020 ----A--"),
                stat.out());
        assertArrayEquals("alpha".getBytes(StandardCharsets.UTF_8), cat("cim", "cat", image, "Files/a.txt"));
        assertArrayEquals("zone".getBytes(StandardCharsets.UTF_8), cat("cim", "cat", image, "Files/dir/b.bin:Zone.Identifier"));
        Run tree = cli("cim", "tree", image);
        assertEquals(List.of("Files", "Files\\a.txt", "Files\\dir", "Files\\dir\\b.bin", "Files\\link -> a.txt"),
                tree.out().lines().map(l -> l.substring(20)).toList(), tree.out());
        assertTrue(tree.out().contains("R---A--          5  Files\\a.txt"), tree.out());
        Run missing = cli("cim", "stat", image, "Files/none");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("no \"Files/none\" in the image"), missing.err());
    }

    @Test
    void badLayerFailsNamingTheEntryAndLeavesNoOutput() throws IOException {
        Path bad = tar("bad.tar", b -> b.directory("Files", 0).raw(TarWriter.Entry.hardLink("Files/l.txt", "Files/missing.txt"),
                Map.of(), new byte[0]));
        Path cims = Files.createDirectories(dir.resolve("cims"));
        Run r = cli("convert", "--format", "cim", "-i", bad.toString(), "-o", cims.resolve("1.cim").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("Files/l.txt") && r.err().contains("does not exist"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one message:\n" + r.err());
        try (Stream<Path> s = Files.list(cims)) {
            assertEquals(List.of(), s.toList(), "no CIM, region file or layer directory");
        }
    }
}
