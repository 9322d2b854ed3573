package io.layerd.core.tar;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Archives written by GNU tar in each of its formats and sparse encodings read back exactly:
 * names beyond 100 bytes, symlinks, hard links, and the data of a sparse file reassembled from
 * its map.
 */
class TarReaderGnuTarTest {
    @TempDir
    static Path src;
    static final long SPARSE_SIZE = 64L << 20;
    static final long[] DATA_AT = {0, 5L << 20, 40L << 20, SPARSE_SIZE - 4096};
    static final String LONG_NAME = "d/" + "long-".repeat(30) + "name";

    @BeforeAll
    static void tree() throws Exception {
        assumeTrue(run("tar", "--version").startsWith("tar (GNU tar)"), "GNU tar is needed: apt-get install tar");
        Files.createDirectories(src.resolve("t/d"));
        Files.writeString(src.resolve("t/" + LONG_NAME), "long");
        Files.createSymbolicLink(src.resolve("t/link"), Path.of(LONG_NAME));
        Files.createLink(src.resolve("t/hard"), src.resolve("t/" + LONG_NAME));
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("t/sparse").toFile(), "rw")) {
            f.setLength(SPARSE_SIZE);
            for (long at : DATA_AT) {
                f.seek(at);
                f.write(block(at));
            }
        }
    }

    static byte[] block(long at) {
        byte[] b = new byte[4096];
        java.util.Arrays.fill(b, (byte) (at >>> 20 | 1));
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gnu", "posix:0.0", "posix:0.1", "posix:1.0", "oldgnu"})
    void readsWhatGnuTarWrote(String variant) throws Exception {
        String[] v = variant.split(":");
        Path tar = src.resolve(variant.replace(':', '-') + ".tar");
        if (v.length > 1) {
            run("tar", "-cf", tar.toString(), "--format=" + v[0], "--sparse", "--sparse-version=" + v[1], "-C", src.resolve("t").toString(), ".");
        } else {
            run("tar", "-cf", tar.toString(), "--format=" + v[0], "--sparse", "-C", src.resolve("t").toString(), ".");
        }
        Map<String, TarEntry> entries = new HashMap<>();
        Map<String, byte[]> sparseData = new HashMap<>();
        try (InputStream in = Files.newInputStream(tar); TarReader r = new TarReader(in)) {
            for (TarEntry e; (e = r.next()) != null; ) {
                String name = e.name().startsWith("./") ? e.name().substring(2) : e.name();
                entries.put(name, e);
                if (e.isSparse()) {
                    ByteArrayOutputStream data = new ByteArrayOutputStream();
                    byte[] buf = new byte[8192];
                    for (int n; (n = r.read(buf, 0, buf.length)) > 0; ) {
                        data.write(buf, 0, n);
                    }
                    sparseData.put(name, data.toByteArray());
                }
            }
        }
        TarEntry longFile = entries.get(LONG_NAME);
        assertNotNull(longFile, "long name read whole: " + entries.keySet());
        assertEquals(TarEntry.Type.SYMLINK, entries.get("link").type());
        assertEquals(LONG_NAME, entries.get("link").linkName());
        // GNU tar stores whichever name it meets first as the file, the other as a link to it.
        TarEntry hard = entries.get("hard");
        TarEntry file = hard.type() == TarEntry.Type.FILE ? hard : longFile;
        TarEntry link = file == hard ? longFile : hard;
        String fileName = file == hard ? "hard" : LONG_NAME;
        assertEquals(TarEntry.Type.FILE, file.type());
        assertEquals(TarEntry.Type.HARD_LINK, link.type());
        assertEquals(fileName, link.linkName().replaceFirst("^\\./", ""), "the link names the other entry, long or not");

        TarEntry sparse = entries.get("sparse");
        assertNotNull(sparse, entries.keySet().toString());
        assertTrue(sparse.isSparse(), variant + " stores the file sparse");
        assertEquals(SPARSE_SIZE, sparse.size());
        // Reassemble: each data block must sit at its offset, everything else zero.
        byte[] stored = sparseData.get("sparse");
        long pos = 0;
        int consumed = 0;
        Map<Long, byte[]> nonZero = new HashMap<>();
        for (TarEntry.SparseRegion region : sparse.sparse()) {
            assertTrue(region.offset() >= pos, "ascending map");
            for (long off = 0; off < region.length(); off += 4096) {
                int len = (int) Math.min(4096, region.length() - off);
                byte[] chunk = java.util.Arrays.copyOfRange(stored, consumed, consumed + len);
                consumed += len;
                if (!java.util.Arrays.equals(chunk, new byte[len])) {
                    nonZero.put(region.offset() + off, chunk);
                }
            }
            pos = region.offset() + region.length();
        }
        assertEquals(stored.length, consumed, "the map covers exactly the stored data");
        assertEquals(DATA_AT.length, nonZero.size(), "data blocks at " + nonZero.keySet());
        for (long at : DATA_AT) {
            assertArrayEquals(block(at), nonZero.get(at), "block at " + at);
        }
        assertTrue(stored.length < 1 << 20, "holes are not stored: " + stored.length);
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(120, TimeUnit.SECONDS);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
        return out;
    }
}
