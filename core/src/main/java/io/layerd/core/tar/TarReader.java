package io.layerd.core.tar;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A streaming tar reader: ustar, PAX (local and global headers, values kept as raw bytes so
 * binary extended attributes survive), GNU long names and links, base-256 numbers, and sparse
 * files in GNU's old format and PAX 0.0, 0.1 and 1.0. Memory is bounded by the largest header
 * extension (PAX records and long names are limited to {@link #MAX_EXTENSION_BYTES}).
 *
 * <p>Use: {@code for (TarEntry e; (e = r.next()) != null; )}, reading each entry's stored data
 * with {@link #read}; unread data is skipped by the next {@link #next()}.
 */
public final class TarReader implements Closeable {
    /** PAX and GNU long-name headers above this size are refused rather than buffered. */
    public static final int MAX_EXTENSION_BYTES = 16 << 20;

    private final InputStream in;
    private final byte[] header = new byte[TarHeader.SIZE];
    private final Map<String, byte[]> globalPax = new LinkedHashMap<>();
    private long position;
    private long remaining;
    private long padding;
    private String current = "";
    private boolean ended;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive. */
    public TarEntry next() throws IOException {
        if (ended) {
            return null;
        }
        skipFully(remaining + padding, current);
        remaining = 0;
        padding = 0;
        // PAX records of this entry; null while there are none (the common case, kept cheap:
        // no map per entry, and no lookups on the way to the entry).
        Map<String, byte[]> pax = globalPax.isEmpty() ? null : new LinkedHashMap<>(globalPax);
        List<long[]> pax00Sparse = null;
        String longName = null;
        String longLink = null;
        while (true) {
            long at = position;
            if (!readBlock(header, "the next header")) {
                if ((pax != null && !pax.equals(globalPax)) || longName != null || longLink != null) {
                    throw new TarFormatException("truncated tar: the archive ends after an extension header at byte " + at);
                }
                ended = true;
                return null; // end without the zero blocks: accepted, as GNU tar does
            }
            TarHeader h = new TarHeader(header, at);
            if (h.isZero()) {
                ended = true;
                return null;
            }
            h.verifyChecksum();
            char type = h.typeFlag();
            long size = h.number(124, 12, "size");
            switch (type) {
                case 'x' -> {
                    pax = pax != null ? pax : new LinkedHashMap<>(globalPax);
                    pax00Sparse = pax00Sparse != null ? pax00Sparse : new ArrayList<>();
                    parsePax(readExtension(size, h), pax, pax00Sparse, h);
                }
                case 'g' -> {
                    pax = pax != null ? pax : new LinkedHashMap<>(globalPax);
                    parsePax(readExtension(size, h), globalPax, new ArrayList<>(), h);
                    pax.putAll(globalPax);
                }
                case 'L' -> longName = cString(readExtension(size, h));
                case 'K' -> longLink = cString(readExtension(size, h));
                default -> {
                    return entry(h, type, size, pax, pax00Sparse, longName, longLink);
                }
            }
        }
    }

    /** {@code pax} and {@code pax00Sparse} are null when no PAX header applies. */
    private TarEntry entry(TarHeader h, char flag, long headerSize, Map<String, byte[]> pax, List<long[]> pax00Sparse,
                           String longName, String longLink) throws IOException {
        String name = text(pax, "path", longName != null ? longName : h.rawName());
        String link = text(pax, "linkpath", longLink != null ? longLink : h.linkName());
        current = name;
        long stored = paxNumber(pax, "size", headerSize, name);
        TarEntry.Type type = switch (flag) {
            case '0', '\0', '7', 'S' -> name.endsWith("/") && flag != 'S' ? TarEntry.Type.DIRECTORY : TarEntry.Type.FILE;
            case '1' -> TarEntry.Type.HARD_LINK;
            case '2' -> TarEntry.Type.SYMLINK;
            case '3' -> TarEntry.Type.CHAR_DEVICE;
            case '4' -> TarEntry.Type.BLOCK_DEVICE;
            case '5', 'D' -> TarEntry.Type.DIRECTORY;
            case '6' -> TarEntry.Type.FIFO;
            default -> TarEntry.Type.OTHER;
        };
        if (type == TarEntry.Type.OTHER) {
            pax = pax != null ? pax : new LinkedHashMap<>();
            pax.put("layerd.typeflag", String.valueOf(flag).getBytes(StandardCharsets.UTF_8));
        }
        int mode = (int) (h.number(100, 8, "mode") & 07777);
        long uid = paxNumber(pax, "uid", h.number(108, 8, "uid"), name);
        long gid = paxNumber(pax, "gid", h.number(116, 8, "gid"), name);
        Instant mtime = paxTime(pax, "mtime", Instant.ofEpochSecond(h.number(136, 12, "mtime")), name);
        Instant atime = paxTime(pax, "atime", h.isOldGnu() ? epoch(h.number(345, 12, "atime")) : null, name);
        Instant ctime = paxTime(pax, "ctime", h.isOldGnu() ? epoch(h.number(357, 12, "ctime")) : null, name);
        int major = (int) paxNumber(pax, "SCHILY.devmajor", type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE
                ? h.number(329, 8, "devmajor") : 0, name);
        int minor = (int) paxNumber(pax, "SCHILY.devminor", type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE
                ? h.number(337, 8, "devminor") : 0, name);

        // Links, devices, FIFOs and directories are header-only whatever their size field says
        // (as GNU tar and Go's archive/tar read them); GNU dump directories carry data.
        boolean headerOnly = flag != 'D' && (type == TarEntry.Type.HARD_LINK || type == TarEntry.Type.SYMLINK
                || type == TarEntry.Type.DIRECTORY || type == TarEntry.Type.FIFO
                || type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE);
        remaining = headerOnly ? 0 : stored;
        padding = (TarHeader.SIZE - (remaining % TarHeader.SIZE)) % TarHeader.SIZE;

        List<TarEntry.SparseRegion> sparse = null;
        long size = stored;
        if (flag == 'S') {
            sparse = oldGnuSparse(h, name);
            size = h.number(483, 12, "realsize");
        } else if (pax != null && (pax.containsKey("GNU.sparse.major") || pax.containsKey("GNU.sparse.map")
                || (pax00Sparse != null && !pax00Sparse.isEmpty())
                || pax.containsKey("GNU.sparse.size") || pax.containsKey("GNU.sparse.realsize"))) {
            name = text(pax, "GNU.sparse.name", name);
            current = name;
            size = paxNumber(pax, "GNU.sparse.realsize", paxNumber(pax, "GNU.sparse.size", stored, name), name);
            if ("1".equals(text(pax, "GNU.sparse.major", null))) {
                sparse = pax10Sparse(name);
            } else if (pax.containsKey("GNU.sparse.map")) {
                sparse = pax01Sparse(text(pax, "GNU.sparse.map", ""), name);
            } else {
                sparse = new ArrayList<>();
                for (long[] r : pax00Sparse != null ? pax00Sparse : List.<long[]>of()) {
                    sparse.add(new TarEntry.SparseRegion(r[0], r[1]));
                }
            }
        }
        if (sparse != null) {
            checkSparse(sparse, size, remaining, name);
            stored = remaining;
        }
        return new TarEntry(name, type, size, stored, mode, uid, gid, mtime, atime, ctime, link, major, minor,
                pax == null || pax.isEmpty() ? Map.of() : xattrs(pax), pax == null || pax.isEmpty() ? Map.of() : Map.copyOf(pax),
                sparse == null ? null : List.copyOf(sparse));
    }

    /** Reads up to {@code len} bytes of the current entry's stored data; -1 at its end. */
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new TarFormatException("truncated tar: " + current + " ends " + remaining + " bytes early");
        }
        remaining -= n;
        position += n;
        return n;
    }

    /** Bytes of the archive consumed so far. */
    public long position() {
        return position;
    }

    // ---- sparse maps ----

    private List<TarEntry.SparseRegion> oldGnuSparse(TarHeader h, String name) throws IOException {
        List<TarEntry.SparseRegion> regions = new ArrayList<>();
        addGnuSparseEntries(h, 386, 4, regions);
        boolean extended = h.byteAt(482) != 0;
        byte[] ext = new byte[TarHeader.SIZE];
        while (extended) {
            long at = position;
            if (!readBlock(ext, name + "'s sparse map")) {
                throw new TarFormatException("truncated tar: " + name + "'s sparse map is cut off");
            }
            TarHeader eh = new TarHeader(ext, at);
            addGnuSparseEntries(eh, 0, 21, regions);
            extended = eh.byteAt(504) != 0;
        }
        return regions;
    }

    private static void addGnuSparseEntries(TarHeader h, int off, int count, List<TarEntry.SparseRegion> out) throws TarFormatException {
        for (int i = 0; i < count; i++) {
            int at = off + i * 24;
            if (h.byteAt(at) == 0) {
                return;
            }
            out.add(new TarEntry.SparseRegion(h.number(at, 12, "sparse offset"), h.number(at + 12, 12, "sparse numbytes")));
        }
    }

    private static List<TarEntry.SparseRegion> pax01Sparse(String map, String name) throws TarFormatException {
        List<TarEntry.SparseRegion> regions = new ArrayList<>();
        if (map.isEmpty()) {
            return regions;
        }
        String[] parts = map.split(",");
        if (parts.length % 2 != 0) {
            throw new TarFormatException(name + ": GNU.sparse.map has an odd number of values");
        }
        for (int i = 0; i < parts.length; i += 2) {
            regions.add(new TarEntry.SparseRegion(parseLong(parts[i], name), parseLong(parts[i + 1], name)));
        }
        return regions;
    }

    /** PAX 1.0: the map is decimal lines at the start of the data, padded to a block. */
    private List<TarEntry.SparseRegion> pax10Sparse(String name) throws IOException {
        long[] consumed = {0};
        long count = readDecimalLine(consumed, name);
        List<TarEntry.SparseRegion> regions = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            long offset = readDecimalLine(consumed, name);
            long length = readDecimalLine(consumed, name);
            regions.add(new TarEntry.SparseRegion(offset, length));
        }
        long pad = (TarHeader.SIZE - consumed[0] % TarHeader.SIZE) % TarHeader.SIZE;
        skipFully(pad, name);
        remaining -= pad;
        return regions;
    }

    private long readDecimalLine(long[] consumed, String name) throws IOException {
        long v = 0;
        int digits = 0;
        while (true) {
            if (remaining == 0) {
                throw new TarFormatException(name + ": the sparse map runs past the entry's data");
            }
            int c = in.read();
            if (c < 0) {
                throw new TarFormatException("truncated tar: " + name + "'s sparse map is cut off");
            }
            position++;
            remaining--;
            consumed[0]++;
            if (c == '\n') {
                if (digits == 0) {
                    throw new TarFormatException(name + ": empty number in the sparse map");
                }
                return v;
            }
            if (c < '0' || c > '9' || ++digits > 18) {
                throw new TarFormatException(name + ": malformed number in the sparse map");
            }
            v = v * 10 + (c - '0');
        }
    }

    private static void checkSparse(List<TarEntry.SparseRegion> regions, long size, long stored, String name) throws TarFormatException {
        long end = 0;
        long data = 0;
        for (TarEntry.SparseRegion r : regions) {
            if (r.offset() < end || r.length() < 0 || r.offset() + r.length() > size) {
                throw new TarFormatException(name + ": sparse map is out of order or beyond the file's " + size + " bytes");
            }
            end = r.offset() + r.length();
            data += r.length();
        }
        if (data != stored) {
            throw new TarFormatException(name + ": sparse map describes " + data + " bytes of data but the entry stores " + stored);
        }
    }

    // ---- PAX ----

    private static void parsePax(byte[] data, Map<String, byte[]> into, List<long[]> pax00Sparse, TarHeader h) throws TarFormatException {
        int i = 0;
        long[] pendingOffset = null;
        while (i < data.length) {
            int space = i;
            long length = 0;
            while (space < data.length && data[space] != ' ') {
                int c = data[space];
                if (c < '0' || c > '9') {
                    throw new TarFormatException("PAX header of " + h.rawName() + ": malformed record length");
                }
                length = length * 10 + (c - '0');
                space++;
            }
            if (space >= data.length || length <= 0 || i + length > data.length || data[(int) (i + length - 1)] != '\n') {
                throw new TarFormatException("PAX header of " + h.rawName() + ": malformed record");
            }
            int eq = space + 1;
            while (eq < i + length && data[eq] != '=') {
                eq++;
            }
            if (eq >= i + length) {
                throw new TarFormatException("PAX header of " + h.rawName() + ": record without '='");
            }
            String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, (int) (i + length - 1));
            if (key.equals("GNU.sparse.offset")) {
                pendingOffset = new long[]{parseLong(new String(value, StandardCharsets.US_ASCII), h.rawName()), 0};
            } else if (key.equals("GNU.sparse.numbytes") && pendingOffset != null) {
                pendingOffset[1] = parseLong(new String(value, StandardCharsets.US_ASCII), h.rawName());
                pax00Sparse.add(pendingOffset);
                pendingOffset = null;
            } else if (value.length == 0) {
                into.remove(key); // an empty value deletes the keyword (POSIX)
            } else {
                into.put(key, value);
            }
            i += (int) length;
        }
    }

    private static Map<String, byte[]> xattrs(Map<String, byte[]> pax) {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        for (Map.Entry<String, byte[]> e : pax.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("SCHILY.xattr.")) {
                out.put(k.substring("SCHILY.xattr.".length()), e.getValue());
            } else if (k.startsWith("LIBARCHIVE.xattr.")) {
                String name = URLDecoder.decode(k.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                out.putIfAbsent(name, Base64.getDecoder().decode(new String(e.getValue(), StandardCharsets.US_ASCII).trim()));
            }
        }
        return out;
    }

    private static String text(Map<String, byte[]> pax, String key, String fallback) {
        byte[] v = pax == null ? null : pax.get(key);
        return v == null ? fallback : new String(v, StandardCharsets.UTF_8);
    }

    private static long paxNumber(Map<String, byte[]> pax, String key, long fallback, String name) throws TarFormatException {
        byte[] v = pax == null ? null : pax.get(key);
        return v == null ? fallback : parseLong(new String(v, StandardCharsets.US_ASCII), name);
    }

    private static Instant paxTime(Map<String, byte[]> pax, String key, Instant fallback, String name) throws TarFormatException {
        byte[] v = pax == null ? null : pax.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            BigDecimal seconds = new BigDecimal(new String(v, StandardCharsets.US_ASCII));
            BigDecimal whole = seconds.setScale(0, java.math.RoundingMode.FLOOR);
            int nanos = seconds.subtract(whole).movePointRight(9).setScale(0, java.math.RoundingMode.DOWN).intValueExact();
            return Instant.ofEpochSecond(whole.longValueExact(), nanos);
        } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            throw new TarFormatException(name + ": PAX " + key + " is not a time");
        }
    }

    private static Instant epoch(long seconds) {
        return seconds == 0 ? null : Instant.ofEpochSecond(seconds);
    }

    private static long parseLong(String s, String name) throws TarFormatException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new TarFormatException(name + ": \"" + s + "\" is not a number");
        }
    }

    // ---- raw input ----

    private byte[] readExtension(long size, TarHeader h) throws IOException {
        if (size < 0 || size > MAX_EXTENSION_BYTES) {
            throw new TarFormatException("extension header of " + h.rawName() + " is " + size + " bytes; at most "
                    + MAX_EXTENSION_BYTES + " are accepted");
        }
        byte[] data = new byte[(int) size];
        readFully(data, 0, data.length, "an extension header");
        skipFully((TarHeader.SIZE - size % TarHeader.SIZE) % TarHeader.SIZE, "an extension header");
        return data;
    }

    private static String cString(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    /** Reads one block; false at a clean end of input (nothing read). */
    private boolean readBlock(byte[] block, String what) throws IOException {
        int n = 0;
        while (n < block.length) {
            int r = in.read(block, n, block.length - n);
            if (r < 0) {
                if (n == 0) {
                    return false;
                }
                throw new TarFormatException("truncated tar: input ends inside " + what + " at byte " + (position + n));
            }
            n += r;
        }
        position += n;
        return true;
    }

    private void readFully(byte[] b, int off, int len, String what) throws IOException {
        while (len > 0) {
            int r = in.read(b, off, len);
            if (r < 0) {
                throw new TarFormatException("truncated tar: input ends inside " + what + " at byte " + position);
            }
            off += r;
            len -= r;
            position += r;
        }
    }

    private void skipFully(long n, String what) throws IOException {
        byte[] scratch = null;
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (scratch == null) {
                    scratch = new byte[8192];
                }
                int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
                if (r < 0) {
                    throw new TarFormatException("truncated tar: " + (what.isEmpty() ? "input" : what) + " ends " + n + " bytes early");
                }
                s = r;
            }
            n -= s;
            position += s;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
