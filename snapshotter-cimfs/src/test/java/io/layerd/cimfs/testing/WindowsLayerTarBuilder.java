package io.layerd.cimfs.testing;

import io.layerd.cimfs.testing.ExpectedLayer.Node;
import io.layerd.core.tar.TarWriter;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes OCI Windows layer tars the way Windows' layer tools do (go-winio's backup tar): PAX
 * {@code MSWINDOWS.fileattr}, {@code MSWINDOWS.rawsd}, {@code LIBARCHIVE.creationtime},
 * {@code MSWINDOWS.xattr.*}, {@code MSWINDOWS.mountpoint}, atime/ctime/mtime with sub-second
 * parts, symlinks, hard links, {@code file:stream} entries after their file, {@code .wh.}
 * whiteouts — and records what each entry should become in an {@link ExpectedLayer}, written
 * from the generator's own knowledge, not from the importer's code. File data is streamed
 * (deterministic pseudo-random bytes or zeros), so a file larger than 4 GiB costs no memory.
 */
public final class WindowsLayerTarBuilder implements Closeable {
    public static final int FILE_ATTRIBUTE_READONLY = 0x1;
    public static final int FILE_ATTRIBUTE_HIDDEN = 0x2;
    public static final int FILE_ATTRIBUTE_SYSTEM = 0x4;
    public static final int FILE_ATTRIBUTE_DIRECTORY = 0x10;
    public static final int FILE_ATTRIBUTE_ARCHIVE = 0x20;
    public static final int FILE_ATTRIBUTE_NORMAL = 0x80;
    public static final int FILE_ATTRIBUTE_REPARSE_POINT = 0x400;

    private final TarWriter tar;
    private final ExpectedLayer expected;
    private long clock = 1_600_000_000L;
    private int sdCounter;
    private final byte[] buffer = new byte[1 << 20];

    public WindowsLayerTarBuilder(OutputStream out, ExpectedLayer startingFrom) {
        this.tar = new TarWriter(out);
        this.expected = startingFrom;
    }

    public ExpectedLayer expected() {
        return expected;
    }

    /** Distinct times with 100 ns resolution (a FILETIME's), advancing per call. */
    public Times nextTimes() {
        long s = clock++;
        return new Times(Instant.ofEpochSecond(s - 100_000, 1234500), Instant.ofEpochSecond(s, 987654300),
                Instant.ofEpochSecond(s + 1, 100), Instant.ofEpochSecond(s + 2, 555_555_500));
    }

    /** A self-relative security descriptor (owner, group, one-ACE DACL), different for each call but the n-th one. */
    public static byte[] securityDescriptor(int n) {
        // revision 1, control SE_SELF_RELATIVE|SE_DACL_PRESENT, owner @20 (S-1-5-32-544), group @36 (S-1-5-18), dacl @48
        byte[] owner = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0};
        byte[] group = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
        byte[] ace = {0, 3, 20, 0, (byte) n, (byte) (n >> 8), 0x1F, 0, 1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0};
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20 + owner.length + group.length + 8 + ace.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).put((byte) 0).putShort((short) 0x8004).putInt(20).putInt(36).putInt(0).putInt(48);
        b.put(owner).put(group);
        b.put((byte) 2).put((byte) 0).putShort((short) (8 + ace.length)).putShort((short) 1).putShort((short) 0).put(ace);
        return b.array();
    }

    public byte[] nextSecurityDescriptor() {
        return securityDescriptor(++sdCounter % 5); // five distinct descriptors, shared by many files
    }

    public WindowsLayerTarBuilder directory(String path, int attributes) throws IOException {
        Times t = nextTimes();
        byte[] sd = nextSecurityDescriptor();
        Map<String, byte[]> pax = windowsPax(attributes | FILE_ATTRIBUTE_DIRECTORY, sd, t, Map.of());
        tar.putEntry(TarWriter.Entry.directory(path).withMtime(t.lastWrite()), pax);
        Node n = Node.directory(attributes | FILE_ATTRIBUTE_DIRECTORY, t, sd);
        expected.put(path, n);
        return this;
    }

    /** A file of {@code size} pseudo-random bytes from {@code seed} (seed 0: zeros), with EAs. */
    public WindowsLayerTarBuilder file(String path, long size, long seed, int attributes, Map<String, byte[]> eas) throws IOException {
        Times t = nextTimes();
        byte[] sd = nextSecurityDescriptor();
        Map<String, byte[]> pax = windowsPax(attributes, sd, t, eas);
        tar.putEntry(TarWriter.Entry.file(path, size).withMtime(t.lastWrite()), pax);
        String digest = writeData(size, seed);
        expected.put(path, Node.file(attributes, t, sd, eas, size, digest));
        return this;
    }

    public WindowsLayerTarBuilder file(String path, byte[] content, int attributes) throws IOException {
        Times t = nextTimes();
        byte[] sd = nextSecurityDescriptor();
        tar.putEntry(TarWriter.Entry.file(path, content.length).withMtime(t.lastWrite()), windowsPax(attributes, sd, t, Map.of()));
        tar.write(content, 0, content.length);
        expected.put(path, Node.file(attributes, t, sd, Map.of(), content.length, sha256(content)));
        return this;
    }

    /** An alternate data stream entry {@code file:stream} (go-winio writes no ":$DATA"; {@code withType} adds it). */
    public WindowsLayerTarBuilder stream(String file, String stream, byte[] content, boolean withType) throws IOException {
        String name = file + ":" + stream + (withType ? ":$DATA" : "");
        tar.putEntry(TarWriter.Entry.file(name, content.length).withMtime(Instant.ofEpochSecond(clock)), Map.of());
        tar.write(content, 0, content.length);
        expected.get(file).streams().put(stream, sha256(content));
        return this;
    }

    public WindowsLayerTarBuilder symlink(String path, String target, boolean mountPoint, boolean directory) throws IOException {
        Times t = nextTimes();
        byte[] sd = nextSecurityDescriptor();
        int attributes = (directory ? FILE_ATTRIBUTE_DIRECTORY : 0) | FILE_ATTRIBUTE_REPARSE_POINT;
        Map<String, byte[]> pax = windowsPax(attributes, sd, t, Map.of());
        if (mountPoint) {
            pax.put("MSWINDOWS.mountpoint", "1".getBytes(StandardCharsets.UTF_8));
        }
        tar.putEntry(TarWriter.Entry.symlink(path, target).withMtime(t.lastWrite()), pax);
        expected.put(path, Node.link(attributes, t, sd, target, mountPoint));
        return this;
    }

    public WindowsLayerTarBuilder hardLink(String path, String existing) throws IOException {
        tar.putEntry(TarWriter.Entry.hardLink(path, existing), Map.of());
        expected.put(path, expected.get(existing));
        return this;
    }

    public WindowsLayerTarBuilder whiteout(String path) throws IOException {
        int slash = path.lastIndexOf('/');
        String name = path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
        tar.putEntry(TarWriter.Entry.file(name, 0), Map.of());
        expected.remove(path);
        return this;
    }

    /** An entry written as given, outside the model (bad input, unusual forms). */
    public WindowsLayerTarBuilder raw(TarWriter.Entry entry, Map<String, byte[]> pax, byte[] content) throws IOException {
        tar.putEntry(entry, pax);
        if (content.length > 0) {
            tar.write(content, 0, content.length);
        }
        return this;
    }

    private Map<String, byte[]> windowsPax(int attributes, byte[] sd, Times t, Map<String, byte[]> eas) {
        Map<String, byte[]> pax = new LinkedHashMap<>();
        pax.put("MSWINDOWS.fileattr", utf8(Integer.toUnsignedString(attributes)));
        pax.put("MSWINDOWS.rawsd", utf8(Base64.getEncoder().encodeToString(sd)));
        pax.put("LIBARCHIVE.creationtime", utf8(paxTime(t.creation())));
        pax.put("atime", utf8(paxTime(t.lastAccess())));
        pax.put("ctime", utf8(paxTime(t.change())));
        for (Map.Entry<String, byte[]> ea : eas.entrySet()) {
            pax.put("MSWINDOWS.xattr." + ea.getKey(), utf8(Base64.getEncoder().encodeToString(ea.getValue())));
        }
        return pax;
    }

    private static String paxTime(Instant t) {
        return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).toPlainString();
    }

    private String writeData(long size, long seed) throws IOException {
        MessageDigest md = sha256();
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        java.util.Arrays.fill(buffer, (byte) 0);
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(buffer.length, left);
            if (seed != 0) {
                for (int i = 0; i < n; i += 8) {
                    long r = random.nextLong();
                    for (int k = 0; k < 8 && i + k < n; k++) {
                        buffer[i + k] = (byte) (r >>> (8 * k));
                    }
                }
            }
            tar.write(buffer, 0, n);
            md.update(buffer, 0, n);
            left -= n;
        }
        return hex(md.digest());
    }

    public static String sha256(byte[] b) {
        MessageDigest md = sha256();
        md.update(b);
        return hex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Finishes the archive (the underlying stream stays open). */
    @Override
    public void close() throws IOException {
        tar.finish();
    }

    /** The four times of one entry. */
    public record Times(Instant creation, Instant lastWrite, Instant change, Instant lastAccess) {
    }
}
