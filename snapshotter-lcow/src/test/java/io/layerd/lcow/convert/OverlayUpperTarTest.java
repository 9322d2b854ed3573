package io.layerd.lcow.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarFormatException;
import io.layerd.core.tar.TarReader;
import io.layerd.core.tar.TarWriter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class OverlayUpperTarTest {
    private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");
    private static final Instant NEW = Instant.parse("2026-11-24T12:00:00.123456789Z");
    private static final byte[] Y = {'y'};

    /** The tar the service VM exports of an upper dir after typical container changes. */
    private static byte[] upperTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter t = new TarWriter(out);
        t.putEntry(TarWriter.Entry.directory("etc").withMtime(NEW).withXattrs(Map.of("trusted.overlay.impure", Y)));
        t.putEntry(TarWriter.Entry.charDevice("etc/passwd", 0, 0).withMode(0).withMtime(NEW)); // deleted
        t.putFile(TarWriter.Entry.file("etc/hostname", 4).withMtime(NEW).withOwner(1000, 100)
                .withXattrs(Map.of("user.note", "n".getBytes(StandardCharsets.UTF_8), "trusted.overlay.origin", new byte[] {1, 2})),
                new ByteArrayInputStream("box\n".getBytes(StandardCharsets.UTF_8)));
        t.putEntry(TarWriter.Entry.hardLink("etc/hostname-link", "etc/hostname").withMtime(NEW));
        t.putEntry(TarWriter.Entry.hardLink("etc/shadow", "etc/passwd").withMtime(NEW)); // shared whiteout inode
        t.putEntry(TarWriter.Entry.directory("var/cache").withMtime(OLD)
                .withXattrs(Map.of("trusted.overlay.opaque", Y, "user.keep", Y))); // replaced wholesale
        t.putFile(TarWriter.Entry.file("var/cache/new", 1).withMtime(OLD), new ByteArrayInputStream(new byte[] {'c'}));
        t.putEntry(TarWriter.Entry.charDevice("dev-null", 1, 3).withMode(0666).withMtime(OLD)); // a real device stays one
        t.finish();
        return out.toByteArray();
    }

    private static List<String> describe(byte[] tar) throws IOException {
        List<String> out = new ArrayList<>();
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        for (TarEntry e; (e = r.next()) != null; ) {
            StringBuilder b = new StringBuilder(e.type() + " " + e.name().replaceAll("/$", "") + " " + Integer.toOctalString(e.mode())
                    + " " + e.uid() + ":" + e.gid() + " " + e.mtime());
            if (!e.linkName().isEmpty()) {
                b.append(" -> ").append(e.linkName());
            }
            if (e.type() == TarEntry.Type.CHAR_DEVICE) {
                b.append(" dev ").append(e.devMajor()).append(',').append(e.devMinor());
            }
            e.xattrs().keySet().stream().sorted().forEach(k -> b.append(" x:").append(k));
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            byte[] buf = new byte[512];
            for (int n; (n = r.read(buf, 0, buf.length)) > 0; ) {
                data.write(buf, 0, n);
            }
            if (e.type() == TarEntry.Type.FILE) {
                b.append(" \"").append(data.toString(StandardCharsets.UTF_8)).append('"');
            }
            out.add(b.toString());
        }
        return out;
    }

    private static byte[] convert(byte[] upper, Instant epoch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OverlayUpperTar.toOciLayer(new ByteArrayInputStream(upper), out, epoch);
        return out.toByteArray();
    }

    @Test
    void whiteoutsOpaqueDirectoriesAndOverlayXattrsBecomeTheOciForm() throws IOException {
        assertEquals(List.of(
                "DIRECTORY etc 755 0:0 " + NEW,
                "FILE etc/.wh.passwd 0 0:0 1970-01-01T00:00:00Z \"\"",
                "FILE etc/hostname 644 1000:100 " + NEW + " x:user.note \"box\n\"",
                "HARD_LINK etc/hostname-link 644 0:0 " + NEW + " -> etc/hostname",
                "FILE etc/.wh.shadow 0 0:0 1970-01-01T00:00:00Z \"\"",
                "DIRECTORY var/cache 755 0:0 " + OLD + " x:user.keep",
                "FILE var/cache/.wh..wh..opq 0 0:0 1970-01-01T00:00:00Z \"\"",
                "FILE var/cache/new 644 0:0 " + OLD + " \"c\"",
                "CHAR_DEVICE dev-null 666 0:0 " + OLD + " dev 1,3"), describe(convert(upperTar(), null)));
    }

    @Test
    void anOpaqueDirectoryOverNoParentDirectoryGetsNoMarker() throws IOException {
        List<String> asked = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OverlayUpperTar.toOciLayer(new ByteArrayInputStream(upperTar()), out, null, path -> {
            asked.add(path);
            return false; // var/cache replaced a file: the marker would hide nothing
        });
        List<String> entries = describe(out.toByteArray());
        assertEquals(List.of("var/cache"), asked, "only opaque directories are asked about");
        assertTrue(entries.stream().noneMatch(e -> e.contains(".wh..wh..opq")), String.join("\n", entries));
        assertTrue(entries.contains("DIRECTORY var/cache 755 0:0 " + OLD + " x:user.keep"), "the directory itself stays");
    }

    @Test
    void sourceDateEpochClampsLaterTimesAndDatesWhiteouts() throws IOException {
        Instant epoch = Instant.parse("2025-06-01T00:00:00Z");
        List<String> entries = describe(convert(upperTar(), epoch));
        assertEquals("DIRECTORY etc 755 0:0 " + epoch, entries.get(0), "later than the epoch: clamped");
        assertEquals("FILE etc/.wh.passwd 0 0:0 " + epoch + " \"\"", entries.get(1));
        assertEquals("DIRECTORY var/cache 755 0:0 " + OLD + " x:user.keep", entries.get(5), "earlier: kept");
    }

    @Test
    void theSameUpperGivesTheSameLayer() throws IOException {
        assertEquals(java.util.Arrays.toString(convert(upperTar(), null)), java.util.Arrays.toString(convert(upperTar(), null)));
    }

    @Test
    void aTruncatedExportIsAnError() throws IOException {
        byte[] whole = upperTar();
        byte[] cut = java.util.Arrays.copyOf(whole, 1536 + 100);
        assertThrows(TarFormatException.class, () -> convert(cut, null));
    }
}
