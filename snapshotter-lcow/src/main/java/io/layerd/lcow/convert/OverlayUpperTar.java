package io.layerd.lcow.convert;

import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarFormatException;
import io.layerd.core.tar.TarReader;
import io.layerd.core.tar.TarWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns the tar of a container's overlay upper directory (as the service VM exports it) into an
 * OCI layer tar, streaming: what the container changed relative to its parent layers.
 * <ul>
 *   <li>an overlay whiteout (character device 0/0) becomes an empty {@code .wh.<name>} file;</li>
 *   <li>a directory marked {@code trusted.overlay.opaque=y} keeps its entry and gets
 *       {@code .wh..wh..opq} inside, so the layer hides everything below it in the parents —
 *       when the parents have a directory there to hide; overlayfs also marks a directory that
 *       replaced a file, where the marker would hide nothing (containerd's differ writes none);</li>
 *   <li>overlayfs' own bookkeeping xattrs ({@code trusted.overlay.*}: opaque, origin, impure,
 *       redirect…) are dropped — they describe this upper dir, not the files;</li>
 *   <li>with a {@code sourceDateEpoch}, mtimes later than it are clamped to it and whiteouts get
 *       it, as containerd 1.7's differ does; without one whiteouts are dated 1970-01-01 (containerd
 *       2.x), so the same changes always give the same layer.</li>
 * </ul>
 * Everything else — regular files, hard links (named as in the upper tar), symlinks, devices,
 * FIFOs, modes, owners, other xattrs — passes through unchanged.
 */
public final class OverlayUpperTar {
    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE_MARKER = ".wh..wh..opq";
    private static final String OVERLAY_XATTR_PREFIX = "trusted.overlay.";
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";

    private OverlayUpperTar() {
    }

    /** What the parent layers hold, as far as the conversion needs to know. */
    @FunctionalInterface
    public interface Parents {
        /** Every path may be a directory: opaque markers are all kept (redundant ones hide nothing). */
        Parents UNKNOWN = path -> true;

        boolean haveDirectory(String path) throws IOException;
    }

    /** Reads the upper dir's tar from {@code upper} and writes the OCI layer tar to {@code out} (left open). */
    public static void toOciLayer(InputStream upper, OutputStream out, Instant sourceDateEpoch) throws IOException {
        toOciLayer(upper, out, sourceDateEpoch, Parents.UNKNOWN);
    }

    /** As {@link #toOciLayer(InputStream, OutputStream, Instant)}, writing opaque markers only over {@code parents}' directories. */
    public static void toOciLayer(InputStream upper, OutputStream out, Instant sourceDateEpoch, Parents parents) throws IOException {
        Instant whiteoutTime = sourceDateEpoch != null ? sourceDateEpoch : Instant.EPOCH;
        TarReader in = new TarReader(upper);
        TarWriter tar = new TarWriter(out);
        byte[] buffer = new byte[1 << 16];
        // overlayfs (Linux 5.8+) makes every whiteout a hard link to one shared inode, so the
        // export stores the first as a device and the rest as hard links to it.
        Set<String> whiteouts = new HashSet<>();
        for (TarEntry e; (e = in.next()) != null; ) {
            String name = trimSlash(e.name());
            boolean whiteout = (e.type() == TarEntry.Type.CHAR_DEVICE && e.devMajor() == 0 && e.devMinor() == 0)
                    || (e.type() == TarEntry.Type.HARD_LINK && whiteouts.contains(trimSlash(e.linkName())));
            if (whiteout) {
                whiteouts.add(name);
                tar.putEntry(TarWriter.Entry.file(whiteoutOf(name), 0).withMode(0).withMtime(whiteoutTime));
                continue;
            }
            if (e.type() == TarEntry.Type.OTHER) {
                throw new TarFormatException("upper directory entry \"" + name + "\" has a type a layer cannot hold");
            }
            if (e.isSparse()) {
                throw new TarFormatException("upper directory entry \"" + name + "\" is stored sparse; the export never writes that");
            }
            TarWriter.Entry entry = new TarWriter.Entry(name, e.type(), e.type() == TarEntry.Type.FILE ? e.size() : 0, e.mode(),
                    e.uid(), e.gid(), "", "", clamp(e.mtime(), sourceDateEpoch), e.linkName(), e.devMajor(), e.devMinor(),
                    new TreeMap<>(fileXattrs(e.xattrs())));
            tar.putEntry(entry);
            if (e.type() == TarEntry.Type.FILE) {
                for (int n; (n = in.read(buffer, 0, buffer.length)) > 0; ) {
                    tar.write(buffer, 0, n);
                }
            }
            if (e.type() == TarEntry.Type.DIRECTORY && isOpaque(e.xattrs()) && parents.haveDirectory(name)) {
                tar.putEntry(TarWriter.Entry.file(name + "/" + OPAQUE_MARKER, 0).withMode(0).withMtime(whiteoutTime));
            }
        }
        tar.finish();
    }

    private static String whiteoutOf(String name) {
        int slash = name.lastIndexOf('/');
        return name.substring(0, slash + 1) + WHITEOUT_PREFIX + name.substring(slash + 1);
    }

    private static boolean isOpaque(Map<String, byte[]> xattrs) {
        byte[] v = xattrs.get(OPAQUE_XATTR);
        return v != null && Arrays.equals(v, new byte[] {'y'});
    }

    private static Map<String, byte[]> fileXattrs(Map<String, byte[]> xattrs) {
        Map<String, byte[]> out = new TreeMap<>();
        xattrs.forEach((k, v) -> {
            if (!k.startsWith(OVERLAY_XATTR_PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static Instant clamp(Instant mtime, Instant epoch) {
        Instant t = mtime != null ? mtime : Instant.EPOCH;
        return epoch != null && t.isAfter(epoch) ? epoch : t;
    }

    private static String trimSlash(String name) {
        String n = name.startsWith("./") ? name.substring(2) : name;
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }
}
