package io.layerd.lcow.convert;

import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarFormatException;
import io.layerd.core.tar.TarReader;
import io.layerd.lcow.ext4.Ext4Exception;
import io.layerd.lcow.ext4.Ext4Writer;
import io.layerd.lcow.ext4.FileTime;
import io.layerd.lcow.ext4.Metadata;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Feeds an uncompressed tar stream into an {@link Ext4Writer}, entry by entry, in one pass.
 *
 * <p>OCI whiteouts become what overlayfs expects when {@code convertWhiteouts} is on:
 * {@code dir/.wh.name} → {@code dir/name} as a 0/0 character device (mode 0, root-owned, zero
 * times), and {@code dir/.wh..wh..opq} → {@code trusted.overlay.opaque="y"} on {@code dir}. Off,
 * whiteout files are stored verbatim. Sparse tar entries are written with holes.
 */
public final class TarToExt4 {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    /** Under half a G1 region even on small heaps: not a humongous allocation. */
    private static final int COPY_BUFFER = 256 << 10;

    /** Reports progress in bytes of uncompressed tar consumed. */
    @FunctionalInterface
    public interface Progress {
        void tarBytes(long consumed);

        Progress NONE = n -> { };
    }

    private final Ext4Writer writer;
    private final boolean convertWhiteouts;
    private final Progress progress;
    private final byte[] buffer = new byte[COPY_BUFFER];

    public TarToExt4(Ext4Writer writer, boolean convertWhiteouts, Progress progress) {
        this.writer = writer;
        this.convertWhiteouts = convertWhiteouts;
        this.progress = progress;
    }

    /** Converts every entry of {@code tar}; the stream is read to its end (trailing bytes too). */
    public void convert(InputStream tar) throws IOException {
        TarReader reader = new TarReader(tar);
        for (TarEntry e; (e = reader.next()) != null; ) {
            entry(reader, e);
            progress.tarBytes(reader.position());
        }
        // Bytes after the end-of-archive marker belong to the blob the diffID is computed over.
        while (tar.read(buffer, 0, buffer.length) >= 0) {
            // drain
        }
    }

    private void entry(TarReader reader, TarEntry e) throws IOException {
        String name = e.name();
        if (convertWhiteouts && isWhiteout(name)) {
            String base = baseName(name);
            String dir = parentOf(name);
            if (base.equals(OPAQUE_MARKER)) {
                writer.setXattr(dir, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
            } else {
                String hidden = base.substring(WHITEOUT_PREFIX.length());
                if (hidden.isEmpty()) {
                    throw new Ext4Exception(name + ": whiteout names no file");
                }
                writer.device(dir.isEmpty() ? hidden : dir + "/" + hidden, true, 0, 0, Metadata.plain(0));
            }
            return;
        }
        Metadata meta = metadata(e);
        switch (e.type()) {
            case DIRECTORY -> writer.directory(name, meta);
            case FILE -> file(reader, e, meta);
            case HARD_LINK -> writer.hardLink(name, e.linkName());
            case SYMLINK -> writer.symlink(name, e.linkName(), meta);
            case CHAR_DEVICE -> writer.device(name, true, e.devMajor(), e.devMinor(), meta);
            case BLOCK_DEVICE -> writer.device(name, false, e.devMajor(), e.devMinor(), meta);
            case FIFO -> writer.fifo(name, meta);
            case OTHER -> {
                String flag = e.paxText("layerd.typeflag");
                if (!"V".equals(flag)) { // a volume label names nothing in the tree
                    throw new TarFormatException(name + ": unsupported tar entry type '" + flag + "'");
                }
            }
        }
    }

    private void file(TarReader reader, TarEntry e, Metadata meta) throws IOException {
        try (Ext4Writer.FileSink sink = writer.file(e.name(), meta, e.size())) {
            if (!e.isSparse()) {
                copy(reader, sink, e.storedSize(), e.name());
                return;
            }
            long at = 0;
            for (TarEntry.SparseRegion r : e.sparse()) {
                sink.skip(r.offset() - at);
                copy(reader, sink, r.length(), e.name());
                at = r.offset() + r.length();
            }
            sink.skip(e.size() - at);
        }
    }

    private void copy(TarReader reader, Ext4Writer.FileSink sink, long n, String name) throws IOException {
        while (n > 0) {
            int r;
            try {
                r = reader.read(buffer, 0, (int) Math.min(buffer.length, n));
            } catch (TarFormatException e) {
                throw e;
            } catch (IOException e) {
                // e.g. a corrupt gzip/zstd stream: say which entry was being read
                throw new IOException(name + ": " + e.getMessage(), e);
            }
            if (r < 0) {
                throw new TarFormatException("truncated tar: " + name + " ends " + n + " bytes early");
            }
            sink.write(buffer, 0, r);
            n -= r;
        }
    }

    private static Metadata metadata(TarEntry e) {
        FileTime mtime = FileTime.of(e.mtime());
        return new Metadata(e.mode(), e.uid(), e.gid(), time(e.atime(), mtime), mtime, time(e.ctime(), mtime), mtime, e.xattrs());
    }

    private static FileTime time(Instant t, FileTime fallback) {
        return t == null ? fallback : FileTime.of(t);
    }

    /** Whether the last component of {@code path} starts with {@code .wh.} (without allocating: this runs per entry). */
    private static boolean isWhiteout(String path) {
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        int start = path.lastIndexOf('/', end - 1) + 1;
        return end - start >= WHITEOUT_PREFIX.length() && path.startsWith(WHITEOUT_PREFIX, start);
    }

    private static String baseName(String path) {
        String p = stripTrailingSlashes(path);
        int slash = p.lastIndexOf('/');
        return slash < 0 ? p : p.substring(slash + 1);
    }

    private static String parentOf(String path) {
        String p = stripTrailingSlashes(path);
        int slash = p.lastIndexOf('/');
        return slash < 0 ? "" : p.substring(0, slash);
    }

    private static String stripTrailingSlashes(String p) {
        int end = p.length();
        while (end > 1 && p.charAt(end - 1) == '/') {
            end--;
        }
        return p.substring(0, end);
    }
}
