package io.layerd.core.tar;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A streaming POSIX (PAX) tar writer. Each entry is a ustar header, preceded by a PAX extended
 * header when a field does not fit ustar: names and link names over 100 bytes or not ASCII, sizes
 * of 8 GiB and more, ids over 2097151, user and group names over 31 bytes or not ASCII, times
 * before 1970, after 2242 or with a fraction of a second, and extended attributes
 * ({@code SCHILY.xattr.<name>}, values written byte for byte so binary values such as
 * {@code security.capability} survive). Output is 512-byte blocks and ends with two zero blocks;
 * the same entries always give the same bytes.
 *
 * <p>Use: {@link #putEntry} writes a header; a regular file's data follows through
 * {@link #write}, exactly {@link Entry#size()} bytes, checked at the next {@code putEntry} or at
 * {@link #finish}. {@link #putFile} does both from a stream.
 */
public final class TarWriter implements Closeable {
    private static final int BLOCK = 512;
    /** Largest value of an octal field of {@code len} bytes: len - 1 digits and a NUL. */
    private static final long MAX_OCTAL_8 = (1L << 21) - 1;   // 7 digits: mode, uid, gid, devmajor, devminor
    private static final long MAX_OCTAL_12 = (1L << 33) - 1;  // 11 digits: size, mtime
    private static final int NAME_LEN = 100;
    private static final int OWNER_NAME_LEN = 31;              // uname[32] and gname[32], NUL-terminated
    private static final String PAX_DIRECTORY = "PaxHeaders/";

    private final OutputStream out;
    private final byte[] block = new byte[BLOCK];
    private String current;
    private long declared;
    private long remaining;
    private boolean finished;

    public TarWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * What one entry's headers say. Build with a factory ({@link #file}, {@link #directory}, ...)
     * and the {@code with*} methods; unset fields are zero, empty or the epoch.
     *
     * @param name     path inside the archive, relative, '/'-separated; a directory's trailing
     *                 '/' is added when missing
     * @param size     bytes of data of a regular file; 0 for every other type
     * @param mode     permission bits including setuid, setgid and sticky (07777)
     * @param uname    owner's user name, or empty to store ids only
     * @param linkName target of a symlink, or the archive name a hard link refers to
     * @param xattrs   extended attributes by full name ("user.x", "security.capability")
     */
    public record Entry(String name, TarEntry.Type type, long size, int mode, long uid, long gid, String uname,
                        String gname, Instant mtime, String linkName, int devMajor, int devMinor,
                        SortedMap<String, byte[]> xattrs) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(mtime, "mtime");
            uname = uname == null ? "" : uname;
            gname = gname == null ? "" : gname;
            linkName = linkName == null ? "" : linkName;
            xattrs = xattrs == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(new TreeMap<>(xattrs));
            if (name.isEmpty() || name.indexOf('\0') >= 0 || linkName.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("tar entry \"" + name + "\": names may not be empty or contain NUL");
            }
            if (type == TarEntry.Type.OTHER) {
                throw new IllegalArgumentException("tar entry \"" + name + "\": type OTHER cannot be written");
            }
            if (size < 0 || (size != 0 && type != TarEntry.Type.FILE)) {
                throw new IllegalArgumentException("tar entry \"" + name + "\": size " + size + " for a " + type);
            }
            if (uid < 0 || gid < 0 || devMajor < 0 || devMinor < 0) {
                throw new IllegalArgumentException("tar entry \"" + name + "\": ids and device numbers are unsigned");
            }
            if ((type == TarEntry.Type.SYMLINK || type == TarEntry.Type.HARD_LINK) && linkName.isEmpty()) {
                throw new IllegalArgumentException("tar entry \"" + name + "\": a " + type + " needs a link name");
            }
            for (String x : xattrs.keySet()) {
                // A PAX record is "len key=value\n": a key ends at the first '='.
                if (x.isEmpty() || x.indexOf('=') >= 0 || x.indexOf('\0') >= 0 || x.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("tar entry \"" + name + "\": extended attribute name \"" + x
                            + "\" cannot be stored in a PAX record");
                }
            }
        }

        public static Entry file(String name, long size) {
            return new Entry(name, TarEntry.Type.FILE, size, 0644, 0, 0, "", "", Instant.EPOCH, "", 0, 0, null);
        }

        public static Entry directory(String name) {
            return new Entry(name, TarEntry.Type.DIRECTORY, 0, 0755, 0, 0, "", "", Instant.EPOCH, "", 0, 0, null);
        }

        public static Entry symlink(String name, String target) {
            return new Entry(name, TarEntry.Type.SYMLINK, 0, 0777, 0, 0, "", "", Instant.EPOCH, target, 0, 0, null);
        }

        /** A second name for the file stored earlier in the archive as {@code target}. */
        public static Entry hardLink(String name, String target) {
            return new Entry(name, TarEntry.Type.HARD_LINK, 0, 0644, 0, 0, "", "", Instant.EPOCH, target, 0, 0, null);
        }

        public static Entry charDevice(String name, int major, int minor) {
            return new Entry(name, TarEntry.Type.CHAR_DEVICE, 0, 0644, 0, 0, "", "", Instant.EPOCH, "", major, minor, null);
        }

        public static Entry blockDevice(String name, int major, int minor) {
            return new Entry(name, TarEntry.Type.BLOCK_DEVICE, 0, 0644, 0, 0, "", "", Instant.EPOCH, "", major, minor, null);
        }

        public static Entry fifo(String name) {
            return new Entry(name, TarEntry.Type.FIFO, 0, 0644, 0, 0, "", "", Instant.EPOCH, "", 0, 0, null);
        }

        public Entry withMode(int mode) {
            return new Entry(name, type, size, mode & 07777, uid, gid, uname, gname, mtime, linkName, devMajor, devMinor, xattrs);
        }

        public Entry withOwner(long uid, long gid) {
            return new Entry(name, type, size, mode, uid, gid, uname, gname, mtime, linkName, devMajor, devMinor, xattrs);
        }

        public Entry withOwnerNames(String uname, String gname) {
            return new Entry(name, type, size, mode, uid, gid, uname, gname, mtime, linkName, devMajor, devMinor, xattrs);
        }

        public Entry withMtime(Instant mtime) {
            return new Entry(name, type, size, mode, uid, gid, uname, gname, mtime, linkName, devMajor, devMinor, xattrs);
        }

        public Entry withXattrs(Map<String, byte[]> xattrs) {
            return new Entry(name, type, size, mode, uid, gid, uname, gname, mtime, linkName, devMajor, devMinor,
                    new TreeMap<>(xattrs));
        }
    }

    /**
     * Writes the header(s) of {@code entry}. For a regular file, its {@code size} bytes of data
     * must follow through {@link #write} before the next entry.
     */
    public void putEntry(Entry entry) throws IOException {
        putEntry(entry, Map.of());
    }

    /**
     * Writes the header(s) of {@code entry} with further PAX records after its own, such as the
     * {@code MSWINDOWS.*} and {@code LIBARCHIVE.*} records of Windows layer tars, or
     * {@code atime}/{@code ctime}; a key {@code entry} itself sets is refused.
     */
    public void putEntry(Entry entry, Map<String, byte[]> extraPax) throws IOException {
        checkOpen();
        checkDataComplete();
        String name = entry.type() == TarEntry.Type.DIRECTORY && !entry.name().endsWith("/") ? entry.name() + "/" : entry.name();
        Map<String, byte[]> pax = paxRecords(entry, name);
        for (Map.Entry<String, byte[]> x : new java.util.TreeMap<>(extraPax).entrySet()) {
            String key = x.getKey();
            if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\n') >= 0 || pax.containsKey(key)) {
                throw new IllegalArgumentException("tar entry \"" + name + "\": PAX record \"" + key + "\" cannot be added");
            }
            pax.put(key, x.getValue());
        }
        if (!pax.isEmpty()) {
            byte[] records = encodePax(pax);
            writeHeader(PAX_DIRECTORY + ustarSafe(baseName(name), NAME_LEN - PAX_DIRECTORY.length()), 'x', records.length,
                    0644, 0, 0, "", "", headerSeconds(entry.mtime()), "", 0, 0);
            out.write(records);
            pad(records.length);
        }
        long size = entry.size();
        writeHeader(ustarSafe(name, NAME_LEN), typeFlag(entry.type()), size <= MAX_OCTAL_12 ? size : 0, entry.mode(),
                entry.uid() <= MAX_OCTAL_8 ? entry.uid() : 0, entry.gid() <= MAX_OCTAL_8 ? entry.gid() : 0,
                fitsOwnerName(entry.uname()) ? entry.uname() : "", fitsOwnerName(entry.gname()) ? entry.gname() : "",
                headerSeconds(entry.mtime()), ustarSafe(entry.linkName(), NAME_LEN),
                entry.devMajor() <= MAX_OCTAL_8 ? entry.devMajor() : 0, entry.devMinor() <= MAX_OCTAL_8 ? entry.devMinor() : 0);
        current = name;
        declared = size;
        remaining = size;
    }

    /** Writes part of the current regular file's data; never more than its declared size. */
    public void write(byte[] b, int off, int len) throws IOException {
        checkOpen();
        if (len > remaining) {
            throw new IOException("tar entry \"" + current + "\": " + (len - remaining) + " bytes beyond its declared size of "
                    + declared);
        }
        out.write(b, off, len);
        remaining -= len;
        if (remaining == 0 && len > 0) {
            pad(declared);
        }
    }

    /** Writes a regular file's header and exactly {@code entry.size()} bytes read from {@code data}. */
    public void putFile(Entry entry, InputStream data) throws IOException {
        putEntry(entry);
        byte[] buffer = new byte[(int) Math.min(64 << 10, Math.max(1, entry.size()))];
        while (remaining > 0) {
            int n = data.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException("tar entry \"" + current + "\": its data ended after " + (declared - remaining)
                        + " of " + declared + " bytes");
            }
            write(buffer, 0, n);
        }
    }

    /** Ends the archive with two zero blocks and flushes; the underlying stream stays open. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        checkDataComplete();
        Arrays.fill(block, (byte) 0);
        out.write(block);
        out.write(block);
        out.flush();
        finished = true;
    }

    /** {@link #finish()}, then closes the underlying stream. */
    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }

    // ---- headers ----

    /**
     * The ustar header block.
     * <pre>
     *   0 name[100]   100 mode[8]   108 uid[8]   116 gid[8]   124 size[12]   136 mtime[12]
     * 148 chksum[8]   156 typeflag  157 linkname[100]  257 magic "ustar\0"  263 version "00"
     * 265 uname[32]   297 gname[32]  329 devmajor[8]   337 devminor[8]   345 prefix[155] (unused)
     * </pre>
     */
    private void writeHeader(String name, char type, long size, int mode, long uid, long gid, String uname, String gname,
                             long mtime, String linkName, int devMajor, int devMinor) throws IOException {
        Arrays.fill(block, (byte) 0);
        ascii(name, 0, NAME_LEN);
        octal(100, 8, mode & 07777);
        octal(108, 8, uid);
        octal(116, 8, gid);
        octal(124, 12, size);
        octal(136, 12, mtime);
        block[156] = (byte) type;
        ascii(linkName, 157, NAME_LEN);
        ascii("ustar", 257, 6);
        ascii("00", 263, 2);
        ascii(uname, 265, 32);
        ascii(gname, 297, 32);
        if (type == '3' || type == '4') {
            octal(329, 8, devMajor);
            octal(337, 8, devMinor);
        }
        // The checksum is the sum of the header's bytes with the checksum field read as spaces.
        Arrays.fill(block, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : block) {
            sum += x & 0xff;
        }
        octal(148, 7, sum);
        block[155] = ' ';
        out.write(block);
    }

    /** Every field of {@code entry} that ustar cannot hold, as PAX records in a fixed order. */
    private static Map<String, byte[]> paxRecords(Entry entry, String name) {
        Map<String, byte[]> pax = new LinkedHashMap<>();
        if (!fitsUstar(name, NAME_LEN)) {
            pax.put("path", utf8(name));
        }
        if (!fitsUstar(entry.linkName(), NAME_LEN)) {
            pax.put("linkpath", utf8(entry.linkName()));
        }
        if (entry.size() > MAX_OCTAL_12) {
            pax.put("size", utf8(Long.toString(entry.size())));
        }
        if (entry.uid() > MAX_OCTAL_8) {
            pax.put("uid", utf8(Long.toString(entry.uid())));
        }
        if (entry.gid() > MAX_OCTAL_8) {
            pax.put("gid", utf8(Long.toString(entry.gid())));
        }
        if (!fitsOwnerName(entry.uname())) {
            pax.put("uname", utf8(entry.uname()));
        }
        if (!fitsOwnerName(entry.gname())) {
            pax.put("gname", utf8(entry.gname()));
        }
        Instant mtime = entry.mtime();
        if (mtime.getNano() != 0 || mtime.getEpochSecond() < 0 || mtime.getEpochSecond() > MAX_OCTAL_12) {
            BigDecimal seconds = BigDecimal.valueOf(mtime.getEpochSecond()).add(BigDecimal.valueOf(mtime.getNano(), 9));
            pax.put("mtime", utf8(seconds.stripTrailingZeros().toPlainString()));
        }
        if (entry.devMajor() > MAX_OCTAL_8) {
            pax.put("SCHILY.devmajor", utf8(Integer.toString(entry.devMajor())));
        }
        if (entry.devMinor() > MAX_OCTAL_8) {
            pax.put("SCHILY.devminor", utf8(Integer.toString(entry.devMinor())));
        }
        for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        return pax;
    }

    /** Records "{length} {key}={value}\n", the length in decimal counting every byte including its own digits. */
    private static byte[] encodePax(Map<String, byte[]> records) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] key = utf8(r.getKey());
            byte[] value = r.getValue();
            int rest = key.length + value.length + 3; // ' ', '=', '\n'
            int length = rest + digits(rest);
            if (digits(length) != digits(rest)) {
                length = rest + digits(length);
            }
            buf.writeBytes(utf8(length + " "));
            buf.writeBytes(key);
            buf.write('=');
            buf.writeBytes(value);
            buf.write('\n');
        }
        return buf.toByteArray();
    }

    private static char typeFlag(TarEntry.Type type) {
        return switch (type) {
            case FILE -> '0';
            case HARD_LINK -> '1';
            case SYMLINK -> '2';
            case CHAR_DEVICE -> '3';
            case BLOCK_DEVICE -> '4';
            case DIRECTORY -> '5';
            case FIFO -> '6';
            case OTHER -> throw new IllegalArgumentException("type OTHER cannot be written");
        };
    }

    /** Seconds for the ustar mtime field, clamped to its range (PAX carries the exact time). */
    private static long headerSeconds(Instant t) {
        return Math.max(0, Math.min(MAX_OCTAL_12, t.getEpochSecond()));
    }

    private static boolean fitsUstar(String s, int len) {
        return s.length() <= len && isAscii(s);
    }

    private static boolean fitsOwnerName(String s) {
        return fitsUstar(s, OWNER_NAME_LEN);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** An ASCII stand-in of at most {@code len} bytes for a header field whose real value is in PAX. */
    private static String ustarSafe(String s, int len) {
        StringBuilder b = new StringBuilder(Math.min(len, s.length()));
        for (int i = 0; i < s.length() && b.length() < len; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                i++;
            }
            b.append(c < 0x80 ? c : '_');
        }
        return b.toString();
    }

    private static String baseName(String name) {
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    private void ascii(String s, int off, int len) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, block, off, Math.min(b.length, len));
    }

    /** Zero-padded octal digits filling {@code len - 1} bytes, then NUL. */
    private void octal(int off, int len, long value) {
        String digits = Long.toOctalString(value);
        int width = len - 1;
        if (digits.length() > width) {
            throw new IllegalStateException("value " + value + " does not fit a " + len + "-byte octal field");
        }
        for (int i = 0; i < width; i++) {
            int from = i - (width - digits.length());
            block[off + i] = (byte) (from < 0 ? '0' : digits.charAt(from));
        }
        block[off + width] = 0;
    }

    private void pad(long written) throws IOException {
        int padding = (int) ((BLOCK - written % BLOCK) % BLOCK);
        if (padding > 0) {
            out.write(new byte[padding]);
        }
    }

    private void checkDataComplete() throws IOException {
        if (remaining != 0) {
            throw new IOException("tar entry \"" + current + "\": declared " + declared + " bytes but only "
                    + (declared - remaining) + " were written");
        }
    }

    private void checkOpen() throws IOException {
        if (finished) {
            throw new IOException("the tar archive is already finished");
        }
    }

    private static int digits(int n) {
        return Integer.toString(n).length();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
