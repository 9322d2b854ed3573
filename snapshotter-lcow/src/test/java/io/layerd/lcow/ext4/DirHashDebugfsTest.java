package io.layerd.lcow.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DirHash} against e2fsprogs' own implementation, live: one {@code debugfs -f} script
 * with a {@code dx_hash -h <version> -s <seed> "<name>"} line per case, for every hash version
 * 0..5, several seeds (including all-zero = default and ones with a single non-zero word), and
 * names covering the empty name, every single byte, every length 1..255, chunk boundaries, UTF-8
 * and random bytes >= 0x80 (where the signed and unsigned variants differ).
 *
 * <p>debugfs' command parser takes a double-quoted argument verbatim, so names only avoid '"'
 * (ends the quoted argument), newline and carriage return (debugfs cuts script lines at either)
 * and NUL; "--" keeps names starting with '-' from being parsed as options.
 */
class DirHashDebugfsTest {
    private static final Pattern RESULT = Pattern.compile("is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)$");

    @TempDir
    Path tmp;

    private static boolean quotable(byte b) {
        return b != '"' && b != '\n' && b != '\r' && b != 0;
    }

    private static List<byte[]> names() {
        List<byte[]> names = new ArrayList<>();
        names.add(new byte[0]);
        for (int b = 1; b < 256; b++) {
            if (quotable((byte) b)) {
                names.add(new byte[] {(byte) b});
            }
        }
        Random r = new Random(42);
        for (int len = 1; len <= 255; len++) {
            names.add(randomName(r, len));
        }
        for (int len : new int[] {15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 254, 255}) {
            names.add(randomName(r, len));
            names.add(DirHashTest.pattern(len));
        }
        for (String s : new String[] {"hello", "lost+found", "a b c", "café", "naïve résumé", "日本語のファイル名",
                "emoji-\uD83D\uDE00-name", "Ünïcödé".repeat(10), ".", ".."}) {
            names.add(s.getBytes(StandardCharsets.UTF_8));
        }
        return names;
    }

    private static byte[] randomName(Random r, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            byte c;
            do {
                c = (byte) r.nextInt(256);
            } while (!quotable(c));
            b[i] = c;
        }
        return b;
    }

    @Test
    void matchesDebugfsDxHash() throws IOException {
        assumeTrue(DirectoryBlocksE2fsckTest.E2fsprogs.available("debugfs", "mke2fs"), "e2fsprogs not installed");
        Path img = tmp.resolve("hash.img");
        DirectoryBlocksE2fsckTest.E2fsprogs.ok("mke2fs", "-q", "-F", "-t", "ext4", img.toString(), "8M");

        List<UUID> seeds = List.of(
                new UUID(0, 0),
                UUID.fromString("01234567-89ab-cdef-0123-456789abcdef"),
                UUID.fromString("00000000-0000-0000-0000-000000000001"),
                UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff"),
                UUID.fromString("5a1e7c3d-9b2f-4e61-8d0a-7f3c2b1e9d84"));
        List<byte[]> names = names();
        record Case(int version, UUID seed, byte[] name) {
        }
        List<Case> cases = new ArrayList<>();
        ByteArrayOutputStream script = new ByteArrayOutputStream();
        for (UUID seed : seeds) {
            for (int v = DirHash.LEGACY; v <= DirHash.TEA_UNSIGNED; v++) {
                for (byte[] name : names) {
                    cases.add(new Case(v, seed, name));
                    script.writeBytes(("dx_hash -h " + v + " -s " + seed + " -- \"").getBytes(StandardCharsets.US_ASCII));
                    script.writeBytes(name);
                    script.writeBytes("\"\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        Path file = tmp.resolve("script");
        Files.write(file, script.toByteArray());
        String out = DirectoryBlocksE2fsckTest.E2fsprogs.ok("debugfs", "-f", file.toString(), img.toString()).out();

        List<DirHash.Hash> expected = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("Hash of ")) {
                Matcher m = RESULT.matcher(line);
                assertTrue(m.find(), line);
                int major = Integer.parseUnsignedInt(m.group(1), 16);
                // The kernel (not e2fsprogs) moves 0xfffffffe off the 32-bit readdir EOF cookie.
                if (major == 0xfffffffe) {
                    major = 0xfffffffc;
                }
                expected.add(new DirHash.Hash(major, Integer.parseUnsignedInt(m.group(2), 16)));
            }
        }
        assertEquals(cases.size(), expected.size(), "one debugfs answer per dx_hash command");
        int signedUnsignedDiffer = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            DirHash.Hash actual = DirHash.hash(c.version(), c.name(), DirHash.seedFromUuid(c.seed()));
            int index = i;
            assertEquals(expected.get(i), actual, () -> "version " + c.version() + " seed " + c.seed() + " name "
                    + java.util.HexFormat.of().formatHex(c.name()) + " (case " + index + ")");
            if (c.version() >= DirHash.LEGACY_UNSIGNED) {
                DirHash.Hash signed = expected.get(i - DirHash.UNSIGNED_OFFSET * names.size());
                if (!signed.equals(expected.get(i))) {
                    signedUnsignedDiffer++;
                }
            }
        }
        // The corpus really exercises the signed/unsigned split.
        assertTrue(signedUnsignedDiffer > 1000, "only " + signedUnsignedDiffer + " signed/unsigned differences");
    }
}
