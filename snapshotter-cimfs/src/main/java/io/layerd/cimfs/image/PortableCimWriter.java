package io.layerd.cimfs.image;

import io.layerd.cimfs.format.CimGuid;
import io.layerd.cimfs.format.FileEntry;
import io.layerd.cimfs.format.FileTableEntry;
import io.layerd.cimfs.format.FilesystemHeader;
import io.layerd.cimfs.format.FilesystemObject;
import io.layerd.cimfs.format.LinkTable;
import io.layerd.cimfs.format.RegionHeader;
import io.layerd.cimfs.format.RegionOffset;
import io.layerd.cimfs.format.RegionSet;
import io.layerd.cimfs.format.Stream;
import io.layerd.cimfs.format.UpcaseTable;
import io.layerd.core.fs.Durable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * layerd's own CIM writer (format 2.0), for machines without CimFS.dll and as the reference the
 * native writer is tested against. File data streams straight into the data region (region 1:
 * 4 KiB-aligned for files of a page or more, 8-aligned below); the tree and its metadata stay in
 * memory (about a hundred bytes a file) and go into the metadata region (region 0) at commit.
 * The region set's GUID is derived from the image's bytes, so the same input gives the same files.
 * Everything is written under temporary names and renamed at commit, the {@code .cim} last: an
 * image that was not committed leaves nothing behind.
 */
public final class PortableCimWriter implements CimImageWriter {
    /** Index of the image's regions within its own set (file names); in offsets they follow the parents' regions. */
    private static final int METADATA_REGION = 0;
    private static final int DATA_REGION = 1;
    private static final int PAGE = 4096;
    private static final byte[] ZERO_PAGE = new byte[PAGE];
    /** Writes below this size are gathered (see appendPending). */
    private static final int SMALL_WRITE = 64 << 10;

    private final Path dir;
    private final String name;
    private final ByteBuffer pending = ByteBuffer.allocate(1 << 20);
    private long pendingStart;
    /** The parents' region sets, oldest first: the regions a forked image's offsets count first. */
    private final List<RegionSet> parentRegions;
    private final int firstOwnRegion;
    private final UpcaseTable upcase = UpcaseTable.standard();
    private final Node root;
    private final Path dataTemp;
    private final FileChannel data;
    private final MessageDigest digest = sha256();
    /** Set by identifiedByInput: the region GUID comes from the input's digest, file bytes are not hashed. */
    private boolean byInput;
    private long dataEnd = RegionHeader.SIZE;
    private DataStream open;
    private long filesystemOffset;
    private boolean committed;
    private boolean closed;

    /** One file or directory; a hard link is the same node in several directories. */
    private final class Node {
        CimFileMetadata meta;
        Stream data; // a file's default stream, in this image's data region or a parent's
        final TreeMap<String, Node> children = new TreeMap<>(upcase.order());
        final TreeMap<String, Stream> streams = new TreeMap<>(upcase.order());
        /** File id and parent directory id, given at commit (0: not yet). */
        int id;
        int parentId;

        Node(CimFileMetadata meta) {
            this.meta = meta;
        }
    }

    private PortableCimWriter(Path dir, String name, List<RegionSet> parentRegions) throws IOException {
        this.dir = dir;
        this.name = name;
        this.parentRegions = List.copyOf(parentRegions);
        this.firstOwnRegion = parentRegions.stream().mapToInt(RegionSet::count).sum();
        this.root = new Node(new CimFileMetadata(CimFileMetadata.FILE_ATTRIBUTE_DIRECTORY, 0, 0, 0, 0, 0, null, null, null));
        this.dataTemp = Files.createTempFile(dir, ".cim-data-", ".tmp");
        this.data = FileChannel.open(dataTemp, StandardOpenOption.WRITE);
        write(data, 0, RegionHeader.region(DATA_REGION));
    }

    /** A new image {@code name}.cim in {@code dir}. */
    public static PortableCimWriter create(Path dir, String name) throws IOException {
        checkImageName(name);
        Files.createDirectories(dir);
        return new PortableCimWriter(dir, name, List.of());
    }

    /**
     * A new image {@code name}.cim forked from {@code parent}.cim in the same directory: it starts
     * with the parent's whole tree, whose data stays in the parent's regions (the fork lists the
     * parent's region sets, and the parent's parents', before its own); changes and deletions
     * affect only the new image.
     */
    public static PortableCimWriter fork(Path dir, String parent, String name) throws IOException {
        if (parent.equals(name)) {
            throw new IllegalArgumentException("a fork needs a new name, not its parent's: " + name);
        }
        checkImageName(name);
        FilesystemHeader parentHeader = CimReader.header(dir.resolve(parent));
        List<RegionSet> chain = new ArrayList<>(parentHeader.parents());
        chain.add(parentHeader.regions());
        PortableCimWriter w = new PortableCimWriter(dir, name, chain);
        try (CimReader r = CimReader.open(dir.resolve(parent))) {
            w.root.meta = w.metadataOf(r, r.root());
            w.copyTree(r, r.root(), w.root, new HashMap<>());
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    private static void checkImageName(String name) {
        if (!name.endsWith(".cim") || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("an image name is a file name ending in .cim: " + name);
        }
    }

    /** The parent's tree as nodes; offsets into the parent's regions stay valid in the fork. */
    private void copyTree(CimReader r, CimReader.CimFile dir, Node into, Map<Integer, Node> byId) throws IOException {
        for (Map.Entry<String, CimReader.CimFile> e : r.list(dir).entrySet()) {
            CimReader.CimFile f = e.getValue();
            Node existing = byId.get(f.id());
            if (existing != null) {
                into.children.put(e.getKey(), existing); // a hard link: the same node again
                continue;
            }
            Node n = new Node(metadataOf(r, f));
            byId.put(f.id(), n);
            into.children.put(e.getKey(), n);
            if (f.entry().isDirectory()) {
                copyTree(r, f, n, byId);
            } else {
                n.data = f.entry().defaultStream();
                n.streams.putAll(r.alternateStreams(f));
            }
        }
    }

    private CimFileMetadata metadataOf(CimReader r, CimReader.CimFile f) throws IOException {
        FileEntry e = f.entry();
        return new CimFileMetadata(e.attributes() & ~FileEntry.FILE_ATTRIBUTE_REPARSE_POINT, e.isDirectory() ? 0 : e.defaultStream().size(),
                e.creationTime(), e.lastWriteTime(), e.changeTime(), e.lastAccessTime(), r.securityDescriptor(f), r.reparseData(f),
                r.extendedAttributes(f));
    }

    @Override
    public OutputStream createFile(String path, CimFileMetadata metadata) throws IOException {
        requireNoOpenStream(path);
        List<String> parts = split(path);
        if (parts.isEmpty()) {
            if (!metadata.isDirectory()) {
                throw new IOException("\"" + path + "\": the root is a directory");
            }
            root.meta = metadata;
            return OutputStream.nullOutputStream();
        }
        Node parent = directory(parts.subList(0, parts.size() - 1), path);
        String leaf = parts.get(parts.size() - 1);
        checkName(leaf, path);
        Node existing = parent.children.get(leaf);
        if (existing != null && existing.meta.isDirectory() && metadata.isDirectory()) {
            existing.meta = metadata; // a directory entry again: new metadata, same contents
            return OutputStream.nullOutputStream();
        }
        Node node = new Node(metadata);
        parent.children.remove(leaf); // case-insensitive: the new name's case wins
        parent.children.put(leaf, node);
        if (metadata.isDirectory()) {
            return OutputStream.nullOutputStream();
        }
        long offset = align(metadata.size());
        node.data = new Stream(RegionOffset.of(firstOwnRegion + DATA_REGION, offset), metadata.size(), Stream.Type.DATA, false);
        return stream(path, metadata.size(), offset);
    }

    @Override
    public OutputStream createAlternateStream(String path, long size) throws IOException {
        requireNoOpenStream(path);
        int colon = path.lastIndexOf(':');
        if (colon <= 0 || colon == path.length() - 1) {
            throw new IOException("\"" + path + "\": an alternate stream is named file:stream");
        }
        Node file = lookup(split(path.substring(0, colon)));
        if (file == null || file.meta.isDirectory()) {
            throw new IOException("\"" + path + "\": the stream's file " + path.substring(0, colon) + " does not exist or is a directory");
        }
        String stream = path.substring(colon + 1);
        checkName(stream, path);
        long offset = align(size);
        file.streams.put(stream, new Stream(RegionOffset.of(firstOwnRegion + DATA_REGION, offset), size, Stream.Type.DATA, false));
        return stream(path, size, offset);
    }

    @Override
    public void createHardLink(String newPath, String existingPath) throws IOException {
        requireNoOpenStream(newPath);
        Node target = lookup(split(existingPath));
        if (target == null) {
            throw new IOException("hard link \"" + newPath + "\": its target \"" + existingPath + "\" does not exist");
        }
        if (target.meta.isDirectory()) {
            throw new IOException("hard link \"" + newPath + "\": \"" + existingPath + "\" is a directory");
        }
        List<String> parts = split(newPath);
        if (parts.isEmpty()) {
            throw new IOException("hard link: the root cannot be a link");
        }
        Node parent = directory(parts.subList(0, parts.size() - 1), newPath);
        String leaf = parts.get(parts.size() - 1);
        checkName(leaf, newPath);
        parent.children.remove(leaf);
        parent.children.put(leaf, target);
    }

    @Override
    public void deletePath(String path) throws IOException {
        requireNoOpenStream(path);
        List<String> parts = split(path);
        if (parts.isEmpty()) {
            throw new IOException("the root cannot be deleted");
        }
        Node parent = lookup(parts.subList(0, parts.size() - 1));
        if (parent == null || parent.children.remove(parts.get(parts.size() - 1)) == null) {
            throw new IOException("delete \"" + path + "\": no such file or directory");
        }
    }

    @Override
    public void identifiedByInput() {
        if (dataEnd != RegionHeader.SIZE && !byInput) {
            throw new IllegalStateException("identifiedByInput must come before the first file");
        }
        byInput = true;
    }

    @Override
    public void commit(byte[] inputDigest) throws IOException {
        if (!byInput) {
            throw new IllegalStateException("commit(digest) without identifiedByInput");
        }
        digest.update(inputDigest);
        commitImage();
    }

    @Override
    public void commit() throws IOException {
        if (byInput) {
            throw new IllegalStateException("an image identified by its input is committed with the input's digest");
        }
        commitImage();
    }

    /**
     * The region GUID is a digest of the metadata region and either every file byte or the input's
     * own digest: the same input gives the same files, and two different images never share region
     * file names (which would overwrite one with the other in a shared directory).
     */
    private void commitImage() throws IOException {
        requireNoOpenStream("commit");
        if (committed) {
            throw new IOException("the image is already committed");
        }
        flushPending();
        // Pad the data region so that every 0-byte stream's offset (the aligned end) is inside it.
        write(data, dataEnd, new byte[8]);
        data.force(true);
        data.close();
        byte[] metadata = new MetadataLayout().build();
        digest.update(metadata);
        byte[] d = digest.digest();
        CimGuid guid = new CimGuid(UUID.nameUUIDFromBytes(Arrays.copyOf(d, 16)));
        RegionSet regions = new RegionSet(guid, 2);
        Path cim = dir.resolve(name);
        Durable.writeAtomically(dir.resolve(regions.regionFile(METADATA_REGION)), metadata);
        Files.move(dataTemp, dir.resolve(regions.regionFile(DATA_REGION)), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Durable.writeAtomically(dir.resolve(regions.objectIdFile(METADATA_REGION)), RegionHeader.objectIds(METADATA_REGION));
        Durable.writeAtomically(dir.resolve(regions.objectIdFile(DATA_REGION)), RegionHeader.objectIds(DATA_REGION));
        Durable.writeAtomically(cim, new FilesystemHeader(regions, filesystemOffset, parentRegions).bytes());
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (data.isOpen()) {
            data.close();
        }
        Files.deleteIfExists(dataTemp); // renamed away by a commit
    }

    /** Region 0: header, upcase table, shared objects, link tables, file tables, their directory, the filesystem object. */
    private final class MetadataLayout {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final List<Node> byId = new ArrayList<>();
        // Objects stored once by content (files of a layer mostly share a few descriptors, EA sets and
        // link targets); kept apart per kind, as their encodings differ (EAs have no length prefix).
        private final Map<ByteBuffer, Long> sharedSds = new HashMap<>();
        private final Map<ByteBuffer, Long> sharedEas = new HashMap<>();
        private final Map<ByteBuffer, Long> sharedReparse = new HashMap<>();

        byte[] build() {
            out.writeBytes(RegionHeader.region(METADATA_REGION));
            assignIds(root, 0);
            ByteBuffer table = ByteBuffer.allocate(UpcaseTable.BYTES);
            upcase.write(table);
            long upcaseAt = put(table.array(), 8);
            List<FileEntry> entries = new ArrayList<>();
            for (Node n : byId) {
                entries.add(entry(n));
            }
            List<FileTableEntry> tables = new ArrayList<>();
            for (int first = 0; first < entries.size(); first += FileTableEntry.FILES_PER_TABLE) {
                List<FileEntry> slice = entries.subList(first, Math.min(entries.size(), first + FileTableEntry.FILES_PER_TABLE));
                ByteBuffer b = ByteBuffer.allocate(slice.size() * FileEntry.SIZE);
                slice.forEach(e -> e.write(b));
                tables.add(new FileTableEntry(put(b.array(), 8), slice.size(), FileEntry.SIZE));
            }
            ByteBuffer directory = ByteBuffer.allocate(tables.size() * FileTableEntry.SIZE);
            tables.forEach(t -> t.write(directory));
            long directoryAt = put(directory.array(), 8);
            ByteBuffer fs = ByteBuffer.allocate(FilesystemObject.SIZE);
            new FilesystemObject(upcaseAt, directoryAt, tables.size(), 1).write(fs);
            filesystemOffset = put(fs.array(), 8);
            return out.toByteArray();
        }

        /** Ids 1… in depth-first name order; a hard-linked file keeps its first id. */
        private void assignIds(Node n, int parentId) {
            if (n.id != 0) {
                return;
            }
            byId.add(n);
            n.id = byId.size();
            n.parentId = parentId;
            for (Node child : n.children.values()) {
                assignIds(child, n.id);
            }
        }

        private FileEntry entry(Node n) {
            CimFileMetadata m = n.meta;
            Stream stream;
            if (m.isDirectory()) {
                // children are kept in the image's order already: no second sort
                Map<String, byte[]> links = new LinkedHashMap<>();
                n.children.forEach((childName, child) -> links.put(childName,
                        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(child.id).array()));
                byte[] table = links.isEmpty() ? null : LinkTable.encode(links, 4, upcase);
                stream = table == null ? new Stream(RegionOffset.NULL, 0, Stream.Type.LINK_TABLE, false)
                        : new Stream(put(table, 8), table.length, Stream.Type.LINK_TABLE, false);
            } else {
                stream = n.data;
            }
            long sd = m.securityDescriptor().length == 0 ? RegionOffset.NULL
                    : sharedSds.computeIfAbsent(ByteBuffer.wrap(m.securityDescriptor()), k -> put(prefixed16(m.securityDescriptor()), 8));
            long ea = m.extendedAttributes().length == 0 ? RegionOffset.NULL
                    : sharedEas.computeIfAbsent(ByteBuffer.wrap(m.extendedAttributes()), k -> put(m.extendedAttributes(), 8));
            long reparse = m.reparseData().length == 0 ? RegionOffset.NULL
                    : sharedReparse.computeIfAbsent(ByteBuffer.wrap(m.reparseData()), k -> put(prefixed16(m.reparseData()), 8));
            int tag = m.reparseData().length >= 4 ? ByteBuffer.wrap(m.reparseData()).order(ByteOrder.LITTLE_ENDIAN).getInt(0) : 0;
            long streamTable = RegionOffset.NULL;
            if (!n.streams.isEmpty()) {
                Map<String, byte[]> values = new LinkedHashMap<>();
                n.streams.forEach((s, st) -> values.put(s, st.bytes()));
                byte[] table = LinkTable.encode(values, Stream.SIZE, upcase);
                ByteBuffer b = ByteBuffer.allocate(4 + table.length).order(ByteOrder.LITTLE_ENDIAN).putInt(table.length).put(table);
                streamTable = put(b.array(), 8);
            }
            return new FileEntry(FileEntry.flagsOf(m.attributes()), m.extendedAttributes().length, tag, m.creationTime(),
                    m.lastWriteTime(), m.changeTime(), m.lastAccessTime(), stream, sd, ea, reparse, streamTable, n.parentId);
        }

        private long put(byte[] bytes, int alignment) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
            long at = out.size();
            out.writeBytes(bytes);
            return RegionOffset.of(firstOwnRegion + METADATA_REGION, at);
        }
    }

    private static byte[] prefixed16(byte[] b) {
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("an object of " + b.length + " bytes does not fit a 16-bit length");
        }
        return ByteBuffer.allocate(2 + b.length).order(ByteOrder.LITTLE_ENDIAN).putShort((short) b.length).put(b).array();
    }

    /** The stream a caller writes a file's bytes to; an empty one needs no writing or closing. */
    private OutputStream stream(String path, long size, long offset) {
        if (size == 0) {
            return OutputStream.nullOutputStream();
        }
        open = new DataStream(path, size, offset);
        return open;
    }

    /** Where the next stream of {@code size} bytes starts in the data region. */
    private long align(long size) {
        int alignment = size >= PAGE ? PAGE : 8;
        dataEnd = (dataEnd + alignment - 1) / alignment * alignment;
        return dataEnd;
    }

    /** Exactly the declared bytes of one stream, at its place in the data region. */
    private final class DataStream extends DeclaredSizeStream {
        private long position;

        DataStream(String path, long size, long position) {
            super(path, size);
            this.position = position;
        }

        @Override
        protected void accept(byte[] b, int off, int len) throws IOException {
            writeLeavingHoles(position, b, off, len);
            if (!byInput) {
                digest.update(b, off, len);
            }
            position += len;
        }

        @Override
        protected void end(boolean complete) {
            open = null;
            if (complete) {
                dataEnd = position;
            }
        }
    }

    /**
     * Writes file bytes into the data region without copying them (this is every byte of every
     * file), skipping whole pages of zeros: they stay holes of the region file, so a large sparse
     * or zero-filled file costs no disk space and no write time. Holes read back as zeros.
     */
    private void writeLeavingHoles(long position, byte[] b, int off, int len) throws IOException {
        if (len < SMALL_WRITE) {
            appendPending(position, b, off, len);
            return;
        }
        int runStart = off;
        int end = off + len;
        int i = off;
        while (i < end) {
            long at = position + (i - off);
            int pageEnd = (int) Math.min(end, i + (PAGE - at % PAGE));
            if (at % PAGE == 0 && pageEnd - i == PAGE && isZero(b, i, PAGE)) {
                if (runStart < i) {
                    write(data, position + (runStart - off), ByteBuffer.wrap(b, runStart, i - runStart));
                }
                runStart = pageEnd;
            }
            i = pageEnd;
        }
        if (runStart < end) {
            write(data, position + (runStart - off), ByteBuffer.wrap(b, runStart, end - runStart));
        }
    }

    /**
     * Small files' bytes are gathered into one buffer and written together: a layer of many small
     * files would otherwise cost a system call per file. Writes are positional, so bytes written
     * directly meanwhile (larger files, later in the region) need no ordering with these.
     */
    private void appendPending(long position, byte[] b, int off, int len) throws IOException {
        if (pending.position() > 0) {
            long gap = position - (pendingStart + pending.position());
            if (gap < 0 || gap >= PAGE || gap + len > pending.remaining()) {
                flushPending();
            } else {
                pending.put(ZERO_PAGE, 0, (int) gap); // alignment padding between small files
            }
        }
        if (pending.position() == 0) {
            pendingStart = position;
        }
        pending.put(b, off, len);
    }

    private void flushPending() throws IOException {
        if (pending.position() > 0) {
            pending.flip();
            write(data, pendingStart, pending);
            pending.clear();
        }
    }

    private static boolean isZero(byte[] b, int off, int len) {
        return Arrays.mismatch(b, off, off + len, ZERO_PAGE, 0, len) < 0;
    }

    private void requireNoOpenStream(String what) throws IOException {
        if (closed || committed) {
            throw new IOException(what + ": the image is " + (committed ? "committed" : "closed"));
        }
        if (open != null) {
            throw new IOException(what + ": the stream of \"" + open.path() + "\" is still open (one stream at a time)");
        }
    }

    private Node lookup(List<String> parts) {
        Node n = root;
        for (String p : parts) {
            n = n.children.get(p);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    private Node directory(List<String> parts, String path) throws IOException {
        Node n = lookup(parts);
        if (n == null || !n.meta.isDirectory()) {
            throw new IOException("\"" + path + "\": its directory " + String.join("\\", parts) + " does not exist");
        }
        return n;
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("[\\\\/]")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        return parts;
    }

    /** NTFS's rules for one name: 1-255 UTF-16 units, no NUL, control characters or {@code \ / : * ? " < > |}, not . or .. */
    private static void checkName(String leaf, String path) throws IOException {
        if (leaf.length() > 255 || leaf.equals(".") || leaf.equals("..")) {
            throw new IOException("\"" + path + "\": \"" + leaf + "\" is not a valid NTFS name");
        }
        for (int i = 0; i < leaf.length(); i++) {
            char c = leaf.charAt(i);
            if (c < 0x20 || "\\/:*?\"<>|".indexOf(c) >= 0) {
                throw new IOException("\"" + path + "\": the name \"" + leaf + "\" holds a character NTFS forbids (U+"
                        + String.format("%04X", (int) c) + ")");
            }
        }
    }

    private static void write(FileChannel ch, long position, byte[] bytes) throws IOException {
        write(ch, position, ByteBuffer.wrap(bytes));
    }

    private static void write(FileChannel ch, long position, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            position += ch.write(b, position);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
