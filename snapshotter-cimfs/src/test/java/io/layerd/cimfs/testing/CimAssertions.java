package io.layerd.cimfs.testing;

import io.layerd.cimfs.format.FileEntry;
import io.layerd.cimfs.format.Stream;
import io.layerd.cimfs.image.CimReader;
import io.layerd.cimfs.image.CimReader.CimFile;
import io.layerd.cimfs.testing.ExpectedLayer.Node;
import io.layerd.cimfs.wclayer.ExtendedAttributes;
import io.layerd.cimfs.wclayer.FileTimes;
import io.layerd.cimfs.wclayer.ReparsePoint;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Compares a CIM, read through {@link CimReader}, with an {@link ExpectedLayer}, entry by entry. */
public final class CimAssertions {
    /** The Win32 attributes a CIM file entry keeps (format: five flag bits, directory and reparse implied). */
    private static final int STORED_ATTRIBUTES = 0x1 | 0x2 | 0x4 | 0x20 | 0x200;

    private CimAssertions() {
    }

    /** Every path of the image ('/'-separated, names as stored) with its file, depth first. */
    public static Map<String, CimFile> walk(CimReader r) throws IOException {
        Map<String, CimFile> out = new LinkedHashMap<>();
        walk(r, r.root(), "", out);
        return out;
    }

    private static void walk(CimReader r, CimFile dir, String prefix, Map<String, CimFile> out) throws IOException {
        for (Map.Entry<String, CimFile> e : r.list(dir).entrySet()) {
            String path = prefix + e.getKey();
            out.put(path, e.getValue());
            if (e.getValue().entry().isDirectory() && e.getValue().entry().reparseTag() == 0) {
                walk(r, e.getValue(), path + "/", out);
            }
        }
    }

    /**
     * The image holds exactly the expected paths (leaving out those in {@code extra} on both
     * sides: the caller checks them), each with the expected attributes, four times, security descriptor, EAs, reparse
     * data, default and alternate stream contents, and hard-link identity.
     */
    public static void assertMatches(CimReader r, ExpectedLayer expected, Set<String> extra) throws IOException {
        Map<String, CimFile> actual = walk(r);
        actual.keySet().removeIf(extra::contains);
        Map<String, Node> want = expected.entries();
        want.keySet().removeIf(extra::contains);
        java.util.Set<String> missing = new java.util.TreeSet<>(want.keySet());
        missing.removeAll(actual.keySet());
        java.util.Set<String> unexpected = new java.util.TreeSet<>(actual.keySet());
        unexpected.removeAll(want.keySet());
        assertEquals("missing [] unexpected []", "missing " + missing + " unexpected " + unexpected, "paths of the image");
        Map<Node, Integer> ids = new IdentityHashMap<>();
        for (Map.Entry<String, Node> e : want.entrySet()) {
            String path = e.getKey();
            Node n = e.getValue();
            CimFile f = actual.get(path);
            FileEntry fe = f.entry();
            Integer id = ids.putIfAbsent(n, f.id());
            if (id != null) {
                assertEquals(id.intValue(), f.id(), path + ": a hard link shares its file");
            }
            int attributes = (n.attributes() & STORED_ATTRIBUTES) | (n.directory() ? 0x10 : 0)
                    | (n.linkTarget() != null ? (n.attributes() & 0x10) | 0x400 : 0);
            assertEquals(Integer.toHexString(attributes), Integer.toHexString(fe.attributes()), path + ": attributes");
            if (n.times() != null) {
                assertEquals(FileTimes.of(n.times().creation()), fe.creationTime(), path + ": creation time");
                assertEquals(FileTimes.of(n.times().lastWrite()), fe.lastWriteTime(), path + ": last write time");
                assertEquals(FileTimes.of(n.times().change()), fe.changeTime(), path + ": change time");
                assertEquals(FileTimes.of(n.times().lastAccess()), fe.lastAccessTime(), path + ": last access time");
            }
            assertArrayEquals(n.securityDescriptor(), r.securityDescriptor(f), path + ": security descriptor");
            Map<String, byte[]> eas = ExtendedAttributes.decode(r.extendedAttributes(f));
            assertEquals(n.eas().keySet(), eas.keySet(), path + ": EA names");
            n.eas().forEach((k, v) -> assertArrayEquals(v, eas.get(k), path + ": EA " + k));
            if (n.linkTarget() != null) {
                ReparsePoint rp = ReparsePoint.decode(r.reparseData(f));
                assertEquals(n.linkTarget(), rp.target(), path + ": link target");
                assertEquals(n.mountPoint(), rp.mountPoint(), path + ": mount point or symlink");
                assertEquals(n.mountPoint() ? ReparsePoint.TAG_MOUNT_POINT : ReparsePoint.TAG_SYMLINK, fe.reparseTag(), path + ": tag");
            } else {
                assertEquals(0, r.reparseData(f).length, path + ": no reparse data");
            }
            if (!n.directory() && n.linkTarget() == null) {
                assertEquals(n.size(), fe.defaultStream().size(), path + ": size");
                try (InputStream in = r.open(f)) {
                    assertEquals(n.sha256(), sha256(in), path + ": content");
                }
            }
            Map<String, Stream> streams = r.alternateStreams(f);
            assertEquals(n.streams().keySet(), new TreeMap<>(streams).keySet(), path + ": alternate streams");
            for (Map.Entry<String, String> s : n.streams().entrySet()) {
                try (InputStream in = r.open(streams.get(s.getKey()))) {
                    assertEquals(s.getValue(), sha256(in), path + ":" + s.getKey() + ": content");
                }
            }
        }
    }

    /** Every path is found by lookup in upper and lower case, and every directory lists in the format's order. */
    public static void assertLookupsAndOrder(CimReader r) throws IOException {
        Map<String, CimFile> all = walk(r);
        for (Map.Entry<String, CimFile> e : all.entrySet()) {
            for (String variant : List.of(e.getKey(), ExpectedLayer.key(e.getKey()), lower(e.getKey()))) {
                CimFile found = r.lookup(variant).orElseThrow(() -> new AssertionError("lookup \"" + variant + "\" found nothing"));
                assertEquals(e.getValue().id(), found.id(), "lookup \"" + variant + "\"");
            }
            if (e.getValue().entry().isDirectory() && e.getValue().entry().reparseTag() == 0) {
                List<String> names = new ArrayList<>(r.list(e.getValue()).keySet());
                for (int i = 1; i < names.size(); i++) {
                    assertTrue(r.upcase().compare(names.get(i - 1), names.get(i)) < 0,
                            e.getKey() + ": \"" + names.get(i - 1) + "\" must sort before \"" + names.get(i) + "\"");
                }
            }
        }
        if (all.isEmpty()) {
            fail("the image is empty");
        }
    }

    private static String lower(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(Character.toLowerCase((char) c)));
        return b.toString();
    }

    public static String sha256(InputStream in) throws IOException {
        MessageDigest md = WindowsLayerTarBuilder.sha256();
        byte[] buf = new byte[1 << 20];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return WindowsLayerTarBuilder.hex(md.digest());
    }
}
