package io.layerd.lcow.convert;

import io.layerd.lcow.ext4.Ext4Writer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input fails with one message naming the entry, and leaves no output file behind. */
class BadInputTest {
    @TempDir
    Path dir;

    static byte[] goodTar() {
        byte[] data = new byte[20000];
        Arrays.fill(data, (byte) 'x');
        return new TarBuilder().dir("etc/").file("etc/data", data).file("etc/hosts", "127.0.0.1 localhost\n".getBytes()).build();
    }

    static byte[] gzip(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** With a content checksum, as the zstd tool writes by default: without one corruption is undetectable. */
    static byte[] zstd(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var z = new com.github.luben.zstd.ZstdOutputStream(out)) {
            z.setChecksum(true);
            z.write(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    static byte[] corruptMiddle(byte[] b) {
        byte[] c = b.clone();
        for (int i = c.length / 3; i < c.length / 3 + 16; i++) {
            c[i] ^= 0x5a;
        }
        return c;
    }

    static Stream<Arguments> badInputs() {
        byte[] good = goodTar();
        byte[] random = new byte[8 << 20];
        new java.util.Random(1).nextBytes(random);
        return Stream.of(
                Arguments.of("truncated tar", Arrays.copyOf(good, 512 + 512 + 7000), "etc/data"),
                Arguments.of("truncated header", Arrays.copyOf(good, 512 + 200), "truncated"),
                Arguments.of("corrupt gzip", corruptMiddle(gzip(good)), "gzip"),
                Arguments.of("corrupt zstd", corruptMiddle(zstd(good)), "zstd"),
                Arguments.of("not a tar", "this is not an archive at all".repeat(40).getBytes(), "checksum"),
                Arguments.of("parent escape", new TarBuilder().file("../evil", new byte[1]).build(), "../evil"),
                Arguments.of("nested escape", new TarBuilder().file("a/../../evil", new byte[1]).build(), "a/../../evil"),
                Arguments.of("absolute escape", new TarBuilder().file("/../evil", new byte[1]).build(), "/../evil"),
                Arguments.of("hard link to nothing", new TarBuilder().hardLink("etc/link", "etc/missing").build(), "etc/link"),
                Arguments.of("name over 255 bytes", new TarBuilder().paxPath("d/" + "n".repeat(256)).file("placeholder", new byte[1]).build(), "256 bytes"),
                Arguments.of("over --max-size", new TarBuilder().file("big", random).build(), "big"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void failsNamingTheProblemAndLeavesNothing(String name, byte[] input, String mentioned) throws Exception {
        Path out = dir.resolve("layer.vhd");
        var options = new LayerVhdWriter.Options(true, true, true, new Ext4Writer.Options(4L << 20, false));
        IOException e = assertThrows(IOException.class,
                () -> LayerVhdWriter.write(new ByteArrayInputStream(input), out, options, TarToExt4.Progress.NONE));
        assertTrue(e.getMessage().contains(mentioned), "message \"" + e.getMessage() + "\" should mention \"" + mentioned + "\"");
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(Files.exists(out), "no output file");
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), "no temporary files either");
        }
    }
}
