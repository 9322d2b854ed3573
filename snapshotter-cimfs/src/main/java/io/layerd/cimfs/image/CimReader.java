package io.layerd.cimfs.image;

import io.layerd.cimfs.format.CimFormatException;
import io.layerd.cimfs.format.FileEntry;
import io.layerd.cimfs.format.FileTableEntry;
import io.layerd.cimfs.format.FilesystemHeader;
import io.layerd.cimfs.format.FilesystemObject;
import io.layerd.cimfs.format.LinkTable;
import io.layerd.cimfs.format.PeImage;
import io.layerd.cimfs.format.RegionHeader;
import io.layerd.cimfs.format.RegionOffset;
import io.layerd.cimfs.format.RegionSet;
import io.layerd.cimfs.format.Stream;
import io.layerd.cimfs.format.UpcaseTable;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a CIM image (format 2.x) and the region files of its parents, which must be in the same
 * directory: walks directories, stats files, reads streams, security descriptors, EAs and reparse
 * data. Every offset and length read from the files is bounds-checked; a damaged image is a
 * {@link CimFormatException} naming what is wrong, never a crash.
 */
public final class CimReader implements Closeable {
    private final List<FileChannel> regions = new ArrayList<>();
    private final List<String> regionNames = new ArrayList<>();
    private final UpcaseTable upcase;
    private final List<FileTableEntry> tables = new ArrayList<>();
    private final int root;

    /** One file as the image holds it: its id (the same for all names of a hard-linked file) and entry. */
    public record CimFile(int id, FileEntry entry) {
    }

    private CimReader(Path cim) throws IOException {
        try {
            Path dir = cim.toAbsolutePath().getParent();
            String what = cim.getFileName().toString();
            FilesystemHeader header = header(cim);
            List<RegionSet> sets = new ArrayList<>(header.parents());
            sets.add(header.regions());
            for (RegionSet set : sets) {
                for (int i = 0; i < set.count(); i++) {
                    Path region = dir.resolve(set.regionFile(i));
                    FileChannel ch;
                    try {
                        ch = FileChannel.open(region, StandardOpenOption.READ);
                    } catch (NoSuchFileException e) {
                        throw new CimFormatException(what + ": region file " + region.getFileName() + " is missing");
                    }
                    regions.add(ch);
                    regionNames.add(region.getFileName().toString());
                    RegionHeader.check(read(ch, 0, RegionHeader.SIZE, region.getFileName().toString()), region.getFileName().toString());
                }
            }
            FilesystemObject fs = FilesystemObject.read(object(header.filesystemOffset(), FilesystemObject.SIZE, "file system object"));
            upcase = UpcaseTable.read(object(fs.upcaseTableOffset(), UpcaseTable.BYTES, "upcase table"));
            ByteBuffer dirBytes = object(fs.fileTableDirectoryOffset(), (long) fs.fileTables() * FileTableEntry.SIZE, "file table directory");
            for (int i = 0; i < fs.fileTables(); i++) {
                tables.add(FileTableEntry.read(dirBytes));
            }
            root = fs.rootDirectory();
            file(root);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The header of the {@code .cim} file: its region set, its parents' and where its file system is. */
    public static FilesystemHeader header(Path cim) throws IOException {
        try (FileChannel ch = FileChannel.open(cim, StandardOpenOption.READ)) {
            // 72 bytes and 24 per parent: 64 Ki parents at most
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), FilesystemHeader.FIXED_SIZE + 24L * 0x10000));
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // read the whole header
            }
            return FilesystemHeader.read(b.flip(), cim.getFileName().toString());
        }
    }

    public static CimReader open(Path cim) throws IOException {
        return new CimReader(cim);
    }

    public UpcaseTable upcase() {
        return upcase;
    }

    public CimFile root() throws IOException {
        return file(root);
    }

    /** The file at {@code path} ({@code \\} or {@code /} separated, case-insensitive), if any. */
    public Optional<CimFile> lookup(String path) throws IOException {
        CimFile f = root();
        for (String part : path.split("[\\\\/]")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!f.entry().isDirectory()) {
                return Optional.empty();
            }
            LinkTable t = directory(f);
            int at = t == null ? -1 : t.find(part, upcase);
            if (at < 0) {
                return Optional.empty();
            }
            f = file(ByteBuffer.wrap(t.value(at)).order(ByteOrder.LITTLE_ENDIAN).getInt());
        }
        return Optional.of(f);
    }

    /** A directory's entries by name, in the image's (sorted) order. */
    public Map<String, CimFile> list(CimFile dir) throws IOException {
        Map<String, CimFile> out = new LinkedHashMap<>();
        LinkTable t = directory(dir);
        for (int i = 0; t != null && i < t.size(); i++) {
            out.put(t.name(i), file(ByteBuffer.wrap(t.value(i)).order(ByteOrder.LITTLE_ENDIAN).getInt()));
        }
        return out;
    }

    /** The default stream's bytes (a regular file's content). */
    public InputStream open(CimFile f) throws IOException {
        if (f.entry().isDirectory()) {
            throw new IOException("file " + f.id() + " is a directory");
        }
        return stream(f.entry().defaultStream());
    }

    /** Alternate data streams by name, with their sizes. */
    public Map<String, Stream> alternateStreams(CimFile f) throws IOException {
        Map<String, Stream> out = new LinkedHashMap<>();
        if (f.entry().streamTableOffset() == RegionOffset.NULL) {
            return out;
        }
        long n = object(f.entry().streamTableOffset(), 4, "stream table").order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        ByteBuffer table = object(f.entry().streamTableOffset() + 4, n, "stream table");
        LinkTable t = LinkTable.decode(table, Stream.SIZE);
        for (int i = 0; i < t.size(); i++) {
            out.put(t.name(i), Stream.read(ByteBuffer.wrap(t.value(i))));
        }
        return out;
    }

    public InputStream open(Stream s) throws IOException {
        return stream(s);
    }

    public byte[] securityDescriptor(CimFile f) throws IOException {
        return prefixed16(f.entry().sdOffset(), "security descriptor");
    }

    public byte[] reparseData(CimFile f) throws IOException {
        return prefixed16(f.entry().reparseOffset(), "reparse data");
    }

    public byte[] extendedAttributes(CimFile f) throws IOException {
        if (f.entry().eaOffset() == RegionOffset.NULL) {
            return new byte[0];
        }
        return array(object(f.entry().eaOffset(), f.entry().eaLength(), "extended attributes"));
    }

    private byte[] prefixed16(long offset, String what) throws IOException {
        if (offset == RegionOffset.NULL) {
            return new byte[0];
        }
        int length = object(offset, 2, what).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        return array(object(offset + 2, length, what));
    }

    private LinkTable directory(CimFile dir) throws IOException {
        Stream s = dir.entry().defaultStream();
        if (s.size() == 0) {
            return null;
        }
        return LinkTable.decode(object(s.dataOffset(), s.size(), "directory " + dir.id()), 4);
    }

    private CimFile file(int id) throws IOException {
        int table = (id - 1) / FileTableEntry.FILES_PER_TABLE;
        int slot = (id - 1) % FileTableEntry.FILES_PER_TABLE;
        if (id < 1 || table >= tables.size() || slot >= tables.get(table).count()) {
            throw new CimFormatException("file id " + id + " is not in the image's file tables");
        }
        FileTableEntry t = tables.get(table);
        ByteBuffer b = object(t.offset() + (long) slot * t.entrySize(), t.entrySize(), "file " + id);
        return new CimFile(id, FileEntry.read(b, t.entrySize()));
    }

    private InputStream stream(Stream s) throws IOException {
        if (s.sparse() || s.size() == 0) {
            return new ZeroStream(s.size());
        }
        if (s.type() == Stream.Type.PE_IMAGE) {
            return peImage(s);
        }
        if (s.type() != Stream.Type.DATA) {
            throw new CimFormatException("a " + s.type() + " stream holds no file bytes");
        }
        FileChannel ch = region(s.dataOffset(), s.size(), "stream");
        long start = RegionOffset.byteOffset(s.dataOffset());
        return new RegionStream(ch, s.size(), pos -> new PeImage.Segment(start + pos, s.size() - pos));
    }

    /** A PE-image stream: the file's bytes gathered from its mapped segments (see {@link PeImage}). */
    private InputStream peImage(Stream s) throws IOException {
        int count = PeImage.mappingCount(object(s.dataOffset(), PeImage.HEADER, "PE image"));
        PeImage pe = PeImage.read(object(s.dataOffset(), PeImage.HEADER + (long) count * PeImage.MAPPING, "PE image"));
        FileChannel ch = region(pe.dataOffset(), pe.dataLength(), "PE image data");
        long base = RegionOffset.byteOffset(pe.dataOffset());
        return new RegionStream(ch, s.size(), pos -> {
            PeImage.Segment seg = pe.segment(pos, s.size());
            return new PeImage.Segment(base + seg.physicalOffset(), seg.length());
        });
    }

    /**
     * A stream's {@code size} bytes read from a region file, where {@code segments} says for each
     * position where its bytes lie in the file and how many follow there contiguously.
     */
    private static final class RegionStream extends InputStream {
        private final FileChannel ch;
        private final long size;
        private final java.util.function.LongFunction<PeImage.Segment> segments;
        private long pos;

        RegionStream(FileChannel ch, long size, java.util.function.LongFunction<PeImage.Segment> segments) {
            this.ch = ch;
            this.size = size;
            this.segments = segments;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos >= size) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            PeImage.Segment seg = segments.apply(pos);
            int n = (int) Math.min(len, seg.length());
            int got = ch.read(ByteBuffer.wrap(b, off, n), seg.physicalOffset());
            if (got <= 0) {
                throw new CimFormatException("stream ends early in its region");
            }
            pos += got;
            return got;
        }
    }

    /** {@code length} bytes at {@code offset}, checked against the region file's size. */
    private ByteBuffer object(long offset, long length, String what) throws IOException {
        FileChannel ch = region(offset, length, what);
        return read(ch, RegionOffset.byteOffset(offset), length, what);
    }

    private FileChannel region(long offset, long length, String what) throws IOException {
        int index = RegionOffset.regionIndex(offset);
        long at = RegionOffset.byteOffset(offset);
        if (offset == RegionOffset.NULL || index >= regions.size()) {
            throw new CimFormatException(what + ": offset " + Long.toHexString(offset) + " is outside the image's "
                    + regions.size() + " regions");
        }
        FileChannel ch = regions.get(index);
        if (length < 0 || at + length > ch.size()) {
            throw new CimFormatException(what + ": " + length + " bytes at " + at + " run past " + regionNames.get(index)
                    + " (" + ch.size() + " bytes)");
        }
        return ch;
    }

    private static ByteBuffer read(FileChannel ch, long at, long length, String what) throws IOException {
        if (length > Integer.MAX_VALUE - 8) {
            throw new CimFormatException(what + ": an object of " + length + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) length);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new CimFormatException(what + ": the file ends early");
            }
        }
        return b.flip();
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    @Override
    public void close() throws IOException {
        for (FileChannel ch : regions) {
            ch.close();
        }
        regions.clear();
    }

    /** A sparse or empty stream: zeros of its size. */
    private static final class ZeroStream extends InputStream {
        private long left;

        ZeroStream(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
