package io.layerd.lcow.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Writes a compact, read-only ext4 image in one pass from a stream of file-system entries (in
 * any order, as a tar delivers them).
 *
 * <p>Layout, in block order: the superblock (block 0), the group descriptor table sized for the
 * maximum disk size, then file data in arrival order (each file contiguous except for holes,
 * its extent-tree blocks right after it, slow symlink targets and attribute blocks as they come),
 * then at {@link #finish} directory blocks, one inode table for all groups, and the bitmaps.
 * File data streams straight to disk; only metadata (inodes, names, extents) stays in memory.
 * All-zero blocks of file data are never written: they become holes.
 *
 * <p>State machine: {@link #file} arms exactly {@code size} bytes; the next call (or
 * {@link #finish}) fails if the file did not receive them. A later entry for an existing path
 * replaces it, as tar extraction does; a directory entry for an existing directory only updates
 * its metadata. Missing parent directories are created (mode 0755, root-owned, zero times).
 */
public final class Ext4Writer {
    /** Options of one image. */
    public record Options(long maxDiskSize, boolean inlineData) {
        public static final long DEFAULT_MAX_DISK_SIZE = 128L << 30;

        public Options {
            if (maxDiskSize <= 0) {
                maxDiskSize = DEFAULT_MAX_DISK_SIZE;
            }
            maxDiskSize = (maxDiskSize + Ext4.BLOCK_SIZE - 1) / Ext4.BLOCK_SIZE * Ext4.BLOCK_SIZE;
        }

        public static Options defaults() {
            return new Options(DEFAULT_MAX_DISK_SIZE, false);
        }
    }

    private static final byte[] ZERO_BLOCK = new byte[Ext4.BLOCK_SIZE];

    /**
     * Zeroes {@code b[from, to)} (within one block) by copying: unlike a fill loop, the copy is
     * fast in a JVM that has not compiled anything yet, which is most of a small layer's conversion.
     */
    private static void zero(byte[] b, int from, int to) {
        System.arraycopy(ZERO_BLOCK, 0, b, from, to - from);
    }
    /** Regular files this small are stored in the inode when inline data is on. */
    static final int MAX_INLINE_SIZE = Ext4.I_BLOCK_SIZE;

    private final Options options;
    private final BlockOutput out;
    private final FileChannel channel;
    private final long baseOffset;
    private final long maxBlocks;
    private final int reservedGdtBlocks;
    private final List<Node> nodes = new ArrayList<>();
    private final Node root;
    private long nextBlock;
    private FileSink open;
    /** The partial block of the file being written (files never overlap in time). */
    private final byte[] fileStage = new byte[Ext4.BLOCK_SIZE];
    private boolean finished;

    public Ext4Writer(FileChannel channel, long baseOffset, Options options, BlockListener listener) {
        this(channel, channel, baseOffset, options, listener);
    }

    /**
     * As above, with the image's blocks written through {@code blockChannel}, a second channel on
     * the same file that may be a direct one (every block write is 4 KiB-aligned in offset, length
     * and memory when {@code baseOffset} is); {@code channel} serves everything else.
     */
    public Ext4Writer(FileChannel channel, FileChannel blockChannel, long baseOffset, Options options,
                      BlockListener listener) {
        this.options = options;
        this.channel = channel;
        this.baseOffset = baseOffset;
        this.out = new BlockOutput(blockChannel, baseOffset, listener);
        this.maxBlocks = options.maxDiskSize() / Ext4.BLOCK_SIZE;
        long maxGroups = (maxBlocks + Ext4.BLOCKS_PER_GROUP - 1) / Ext4.BLOCKS_PER_GROUP;
        this.reservedGdtBlocks = (int) ((maxGroups + Ext4.DESCRIPTORS_PER_BLOCK - 1) / Ext4.DESCRIPTORS_PER_BLOCK);
        this.nextBlock = 1 + reservedGdtBlocks;
        nodes.add(null); // inode 0 does not exist
        for (int i = 1; i < Ext4.FIRST_INODE; i++) {
            nodes.add(null); // reserved inodes stay zero; root is set below
        }
        root = new Node(Ext4.ROOT_INODE, Ext4.S_IFDIR | 0755, Metadata.plain(0755));
        nodes.set(Ext4.ROOT_INODE, root);
        root.parent = root;
        Node lostAndFound = newNode(Ext4.S_IFDIR | 0700, Metadata.plain(0700));
        attach(root, "lost+found", lostAndFound);
    }

    public Ext4Writer(FileChannel channel, Options options) {
        this(channel, 0, options, null);
    }

    // ---- entries ----

    /** A directory; for an existing directory only its metadata is replaced. */
    public void directory(String path, Metadata meta) throws IOException {
        checkReady(path);
        List<String> parts = components(path);
        if (parts.isEmpty()) {
            root.update(meta);
            return;
        }
        Node parent = parentOf(parts, path);
        String name = parts.get(parts.size() - 1);
        Node existing = parent.children.get(name);
        if (existing != null && existing.isDirectory()) {
            existing.update(meta);
            return;
        }
        attach(parent, name, newNode(Ext4.S_IFDIR | meta.permissions(), meta));
    }

    /** A regular file of {@code size} bytes; write them through the returned sink, then close it. */
    public FileSink file(String path, Metadata meta, long size) throws IOException {
        checkReady(path);
        if (size < 0) {
            throw new Ext4Exception(path + ": negative size " + size);
        }
        Node node = place(path, Ext4.S_IFREG | meta.permissions(), meta);
        node.size = size;
        open = new FileSink(path, node, size);
        return open;
    }

    public void symlink(String path, String target, Metadata meta) throws IOException {
        checkReady(path);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length >= Ext4.BLOCK_SIZE) {
            throw new Ext4Exception(path + ": symlink target of " + t.length + " bytes is longer than ext4 allows (" + (Ext4.BLOCK_SIZE - 1) + ")");
        }
        Node node = place(path, Ext4.S_IFLNK | 0777, meta);
        node.size = t.length;
        if (t.length <= Ext4.MAX_FAST_SYMLINK) {
            node.inline = t;
        } else {
            long block = allocate(path, 1);
            out.write(block, t, 0, t.length);
            node.extents.add(0, block, 1);
            buildExtentTree(node);
        }
    }

    /** Another name for the non-directory at {@code target}. */
    public void hardLink(String path, String target) throws IOException {
        checkReady(path);
        List<String> targetParts = components(target);
        Node t = lookup(targetParts);
        if (t == null) {
            throw new Ext4Exception(path + ": hard link target " + target + " does not exist");
        }
        if (t.isDirectory()) {
            throw new Ext4Exception(path + ": hard link target " + target + " is a directory");
        }
        if (t.links >= Ext4.MAX_LINKS) {
            throw new Ext4Exception(path + ": " + target + " already has " + Ext4.MAX_LINKS + " links, ext4's maximum");
        }
        List<String> parts = components(path);
        if (parts.isEmpty()) {
            throw new Ext4Exception(path + ": cannot replace the root directory with a hard link");
        }
        Node parent = parentOf(parts, path);
        String name = parts.get(parts.size() - 1);
        if (parent.children.get(name) == t) {
            return; // a link to itself changes nothing
        }
        attach(parent, name, t);
    }

    public void device(String path, boolean character, int major, int minor, Metadata meta) throws IOException {
        checkReady(path);
        Node node = place(path, (character ? Ext4.S_IFCHR : Ext4.S_IFBLK) | meta.permissions(), meta);
        node.major = major;
        node.minor = minor;
    }

    public void fifo(String path, Metadata meta) throws IOException {
        checkReady(path);
        place(path, Ext4.S_IFIFO | meta.permissions(), meta);
    }

    /** Sets one extended attribute on an existing entry (the directory is created if missing). */
    public void setXattr(String path, String name, byte[] value) throws IOException {
        checkReady(path);
        List<String> parts = components(path);
        Node n = lookup(parts);
        if (n == null) {
            directory(path, Metadata.plain(0755));
            n = lookup(parts);
        }
        n.setXattr(name, value);
    }

    /** The type of the entry at {@code path}, for callers that merge (whiteouts): null if absent. */
    public boolean exists(String path) throws IOException {
        return lookup(components(path)) != null;
    }

    // ---- file data ----

    /** Receives the bytes of one regular file. Holes may be skipped with {@link #skip}. */
    public final class FileSink implements AutoCloseable {
        private final String path;
        private final Node node;
        private final long size;
        private final boolean inline;
        private final byte[] stage = fileStage; // one file is open at a time: share the block
        private int staged;
        private long position;
        private boolean closed;

        private FileSink(String path, Node node, long size) {
            this.path = path;
            this.node = node;
            this.size = size;
            this.inline = options.inlineData() && size <= MAX_INLINE_SIZE && size > 0;
            if (inline) {
                zero(stage, 0, (int) size); // holes in inline data read as zeros
            }
        }

        public void write(byte[] b, int off, int len) throws IOException {
            if (position + len > size) {
                throw new Ext4Exception(path + ": more data than the " + size + " bytes declared");
            }
            if (inline) {
                System.arraycopy(b, off, stage, (int) position, len);
                position += len;
                return;
            }
            while (len > 0) {
                if (staged == 0 && len >= Ext4.BLOCK_SIZE) {
                    block(b, off, position / Ext4.BLOCK_SIZE);
                    off += Ext4.BLOCK_SIZE;
                    len -= Ext4.BLOCK_SIZE;
                    position += Ext4.BLOCK_SIZE;
                    continue;
                }
                int n = Math.min(len, Ext4.BLOCK_SIZE - staged);
                System.arraycopy(b, off, stage, staged, n);
                staged += n;
                off += n;
                len -= n;
                position += n;
                flushFullStage();
            }
        }

        /** Emits the stage once it holds a whole block; {@code position} is then that block's end. */
        private void flushFullStage() throws IOException {
            if (staged == Ext4.BLOCK_SIZE) {
                block(stage, 0, position / Ext4.BLOCK_SIZE - 1);
                staged = 0;
            }
        }

        /** Skips {@code n} bytes that read as zeros (a hole of a sparse file). */
        public void skip(long n) throws IOException {
            if (n < 0 || position + n > size) {
                throw new Ext4Exception(path + ": hole of " + n + " bytes at " + position + " runs past the " + size + " bytes declared");
            }
            if (inline) {
                position += n; // stage is already zero there
                return;
            }
            while (n > 0 && staged != 0) {
                int k = (int) Math.min(n, Ext4.BLOCK_SIZE - staged);
                zero(stage, staged, staged + k);
                staged += k;
                n -= k;
                position += k;
                flushFullStage();
            }
            long whole = n / Ext4.BLOCK_SIZE * Ext4.BLOCK_SIZE;
            position += whole;
            n -= whole;
            if (n > 0) {
                staged = (int) n;
                zero(stage, 0, staged);
                position += n;
            }
        }

        /** One full logical block: a hole if all zero, else the next data block. */
        private void block(byte[] b, int off, long logical) throws IOException {
            if (Arrays.mismatch(b, off, off + Ext4.BLOCK_SIZE, ZERO_BLOCK, 0, Ext4.BLOCK_SIZE) < 0) {
                return;
            }
            long physical = allocate(path, 1);
            out.write(physical, b, off, Ext4.BLOCK_SIZE);
            node.extents.add(logical, physical, 1);
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            if (position != size) {
                throw new Ext4Exception(path + ": got " + position + " of the " + size + " bytes declared");
            }
            closed = true;
            open = null;
            if (inline) {
                node.inline = Arrays.copyOf(stage, (int) size);
                return;
            }
            if (staged > 0) { // the partial last block, zero-padded
                zero(stage, staged, Ext4.BLOCK_SIZE);
                block(stage, 0, position / Ext4.BLOCK_SIZE);
                staged = 0;
            }
            buildExtentTree(node);
        }
    }

    // ---- finishing ----

    /**
     * Lays out directories, inodes and bitmaps and writes the superblock. {@code uuid} (16
     * bytes) and {@code hashSeed} (4 words) make the image reproducible when derived from its
     * content. The channel holds exactly {@link Ext4Image#bytes()} bytes of image afterwards.
     */
    public Ext4Image finish(byte[] uuid, int[] hashSeed) throws IOException {
        checkReady("(end of input)");
        finished = true;
        List<Node> live = new ArrayList<>();
        countLinks(live);
        // External attribute blocks and directory blocks go after the file data.
        for (Node n : live) {
            if (!n.hasAttributeData()) { // most inodes: nothing to place
                continue;
            }
            if (!n.placeXattrs()) {
                throw new Ext4Exception(nameOf(n) + ": extended attributes do not fit in one 4 KiB block");
            }
            if (!n.blockXattrs.isEmpty()) {
                ByteBuffer block = Xattrs.block(n.blockXattrs);
                n.xattrBlock = allocate(n, 1);
                out.write(n.xattrBlock, block);
            }
        }
        for (Node n : live) {
            if (n.isDirectory()) {
                layoutDirectory(n, hashSeed);
            }
        }
        return layoutTables(live, uuid, hashSeed);
    }

    private Ext4Image layoutTables(List<Node> live, byte[] uuid, int[] hashSeed) throws IOException {
        long inodes = nodes.size() - 1;
        long dataEnd = nextBlock;
        long groups = Math.max(1, ceilDiv(dataEnd, Ext4.BLOCKS_PER_GROUP));
        int ipg;
        long total;
        while (true) {
            long perGroup = ceilDiv(inodes, groups);
            if (perGroup > Ext4.MAX_INODES_PER_GROUP) {
                groups = ceilDiv(inodes, Ext4.MAX_INODES_PER_GROUP);
                continue;
            }
            ipg = (int) Math.max(Ext4.INODES_PER_BLOCK, ceilDiv(perGroup, Ext4.INODES_PER_BLOCK) * Ext4.INODES_PER_BLOCK);
            long tableBlocks = groups * ipg / Ext4.INODES_PER_BLOCK;
            total = dataEnd + tableBlocks + 2 * groups;
            long needed = ceilDiv(total, Ext4.BLOCKS_PER_GROUP);
            if (needed > groups) {
                groups = needed;
                continue;
            }
            break;
        }
        // The last group must hold at least one block of its own.
        long blocksCount = Math.max(total, (groups - 1) * Ext4.BLOCKS_PER_GROUP + 1);
        int gdtBlocks = (int) ceilDiv(groups, Ext4.DESCRIPTORS_PER_BLOCK);
        if (blocksCount > maxBlocks || gdtBlocks > reservedGdtBlocks) {
            throw new Ext4SizeLimitException("image needs " + blocksCount * Ext4.BLOCK_SIZE + " bytes, more than the maximum disk size of "
                    + options.maxDiskSize() + " bytes");
        }
        long inodeTable = dataEnd;
        long tableBlocks = groups * ipg / Ext4.INODES_PER_BLOCK;
        long blockBitmaps = inodeTable + tableBlocks;
        long inodeBitmaps = blockBitmaps + groups;

        // Inode table: inodes 1..N, 16 to a block; blocks with no inode stay holes.
        ByteBuffer table = ByteBuffer.allocate(Ext4.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long blk = 0; blk * Ext4.INODES_PER_BLOCK < inodes; blk++) {
            zero(table.array(), 0, Ext4.BLOCK_SIZE);
            boolean any = false;
            for (int i = 0; i < Ext4.INODES_PER_BLOCK; i++) {
                long number = blk * Ext4.INODES_PER_BLOCK + i + 1;
                Node n = number < nodes.size() ? nodes.get((int) number) : null;
                if (n != null && n.links > 0) {
                    n.serialize(table.array(), i * Ext4.INODE_SIZE);
                    any = true;
                }
            }
            if (any) {
                out.write(inodeTable + blk, table);
            }
        }

        // Block usage: derived from what live inodes own, so replaced files' blocks are free.
        BitSet used = new BitSet();
        used.set(0, 1 + gdtBlocks);
        for (Node n : live) {
            for (int i = 0; i < n.extents.count(); i++) {
                used.set((int) n.extents.physical(i), (int) (n.extents.physical(i) + n.extents.length(i)));
            }
            if (n.treeBlockNumbers != null) {
                for (long b : n.treeBlockNumbers) {
                    used.set((int) b);
                }
            }
            if (n.xattrBlock != 0) {
                used.set((int) n.xattrBlock);
            }
        }
        used.set((int) inodeTable, (int) (inodeBitmaps + groups));

        // Inode usage, by inode number - 1 as in the bitmaps; directories counted per group.
        BitSet inodesInUse = new BitSet();
        inodesInUse.set(0, Ext4.FIRST_INODE - 1); // the reserved inodes count as used
        int[] dirsInGroup = new int[(int) groups];
        for (Node n : live) {
            inodesInUse.set(n.number - 1);
            if (n.isDirectory()) {
                dirsInGroup[(n.number - 1) / ipg]++;
            }
        }

        long freeBlocksTotal = 0;
        long freeInodesTotal = 0;
        ByteBuffer gdt = ByteBuffer.allocate(gdtBlocks * Ext4.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int g = 0; g < groups; g++) {
            long first = (long) g * Ext4.BLOCKS_PER_GROUP;
            BitSet blockBits = used.get((int) first, (int) (first + Ext4.BLOCKS_PER_GROUP));
            if (blocksCount < first + Ext4.BLOCKS_PER_GROUP) {
                blockBits.set((int) (blocksCount - first), Ext4.BLOCKS_PER_GROUP); // past the end: padding bits are set
            }
            int freeBlocks = Ext4.BLOCKS_PER_GROUP - blockBits.cardinality();
            out.write(blockBitmaps + g, bitmapBlock(blockBits));
            BitSet inodeBits = inodesInUse.get(g * ipg, (g + 1) * ipg);
            inodeBits.set(ipg, Ext4.MAX_INODES_PER_GROUP); // padding past the group's inodes
            int freeInodes = Ext4.MAX_INODES_PER_GROUP - inodeBits.cardinality();
            out.write(inodeBitmaps + g, bitmapBlock(inodeBits));
            new GroupDescriptor(blockBitmaps + g, inodeBitmaps + g, inodeTable + (long) g * ipg / Ext4.INODES_PER_BLOCK,
                    freeBlocks, freeInodes, dirsInGroup[g]).writeTo(gdt, g);
            freeBlocksTotal += freeBlocks;
            freeInodesTotal += freeInodes;
        }
        for (int i = 0; i < gdtBlocks; i++) {
            out.write(1 + i, gdt.slice(i * Ext4.BLOCK_SIZE, Ext4.BLOCK_SIZE));
        }
        int incompat = Ext4.INCOMPAT_FILETYPE | Ext4.INCOMPAT_EXTENTS | Ext4.INCOMPAT_FLEX_BG;
        for (Node n : live) {
            if (n.isRegular() && n.inline != null) {
                incompat |= Ext4.INCOMPAT_INLINE_DATA;
                break;
            }
        }
        Superblock sb = new Superblock(groups * ipg, blocksCount, freeBlocksTotal, freeInodesTotal, ipg,
                Ext4.COMPAT_EXT_ATTR | Ext4.COMPAT_DIR_INDEX | Ext4.COMPAT_SPARSE_SUPER2,
                incompat,
                Ext4.RO_COMPAT_HUGE_FILE | Ext4.RO_COMPAT_EXTRA_ISIZE | Ext4.RO_COMPAT_DIR_NLINK | Ext4.RO_COMPAT_READONLY
                        | Ext4.RO_COMPAT_LARGE_FILE,
                uuid, hashSeed);
        ByteBuffer block0 = ByteBuffer.allocate(Ext4.BLOCK_SIZE);
        sb.writeTo(block0);
        out.write(0, block0);
        out.flush();
        long end = baseOffset + blocksCount * Ext4.BLOCK_SIZE;
        if (channel.size() < end) {
            channel.write(ByteBuffer.wrap(new byte[1]), end - 1);
        }
        return new Ext4Image(blocksCount, groups * ipg, (int) groups);
    }

    /**
     * One bitmap block of {@code bits}: BitSet's little-endian bytes put bit {@code i} at byte
     * {@code i / 8}, bit {@code i % 8}, which is ext4's bitmap order.
     */
    private static ByteBuffer bitmapBlock(BitSet bits) {
        byte[] block = new byte[Ext4.BLOCK_SIZE];
        byte[] set = bits.toByteArray();
        System.arraycopy(set, 0, block, 0, set.length);
        return ByteBuffer.wrap(block);
    }

    /** Link counts from the tree: a file counts its names, a directory 2 + its subdirectories. */
    private void countLinks(List<Node> live) {
        for (Node n : nodes) {
            if (n != null) {
                n.links = 0;
            }
        }
        Deque<Node> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Node d = stack.pop();
            int subdirs = 0;
            for (Node c : d.children.values()) {
                if (c.isDirectory()) {
                    subdirs++;
                    stack.push(c);
                } else {
                    c.links++;
                }
            }
            d.subdirectories = subdirs;
            // dir_nlink: a directory with too many subdirectories keeps a link count of 1.
            d.links = 2 + subdirs > Ext4.MAX_LINKS ? 1 : 2 + subdirs;
        }
        for (Node n : nodes) { // in inode number order: nodes are numbered by their index
            if (n != null && n.links > 0) {
                live.add(n);
            }
        }
    }

    private void layoutDirectory(Node dir, int[] hashSeed) throws IOException {
        List<DirEntry> entries = new ArrayList<>(dir.children.size());
        List<Map.Entry<String, Node>> sorted = new ArrayList<>(dir.children.entrySet());
        sorted.sort(Map.Entry.comparingByKey());
        for (Map.Entry<String, Node> e : sorted) {
            entries.add(new DirEntry(e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue().number, Ext4.direntType(e.getValue().mode)));
        }
        DirectoryBlocks layout = DirectoryBlocks.buildDistinct(dir.number, dir.parent.number, entries,
                DirectoryBlocks.STORED_HASH_VERSION, hashSeed);
        List<ByteBuffer> blocks = layout.blocks();
        long first = allocate(dir, blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            out.write(first + i, blocks.get(i));
        }
        dir.extents = new ExtentList();
        dir.extents.add(0, first, blocks.size());
        dir.size = (long) blocks.size() * Ext4.BLOCK_SIZE;
        dir.indexed = layout.indexed();
        buildExtentTree(dir);
    }

    // ---- helpers ----

    private void buildExtentTree(Node node) throws IOException {
        if (ExtentTree.fitsInInode(node.extents)) { // most files: no tree blocks to write
            node.iBlock = ExtentTree.inInode(node.extents);
            return;
        }
        List<Long> treeBlocks = new ArrayList<>();
        ExtentTree.Built built = ExtentTree.build(node.extents, block -> {
            long b = allocate(node, 1);
            out.write(b, block);
            treeBlocks.add(b);
            return b;
        });
        node.iBlock = built.iBlock();
        node.treeBlocks = built.treeBlocks();
        node.treeBlockNumbers = treeBlocks.stream().mapToLong(Long::longValue).toArray();
    }

    /** As {@link #allocate(String, long)}, naming the node's path only if the image is full. */
    private long allocate(Node node, long n) throws Ext4Exception {
        return nextBlock + n > maxBlocks ? allocate(nameOf(node), n) : allocate("", n);
    }

    private long allocate(String path, long n) throws Ext4Exception {
        long b = nextBlock;
        if (b + n > maxBlocks) {
            throw new Ext4SizeLimitException(path + ": the image exceeds the maximum disk size of " + options.maxDiskSize() + " bytes");
        }
        nextBlock += n;
        return b;
    }

    private Node newNode(int mode, Metadata meta) {
        Node n = new Node(nodes.size(), mode, meta);
        nodes.add(n);
        return n;
    }

    /** Creates a non-directory at {@code path}, replacing whatever was there. */
    private Node place(String path, int mode, Metadata meta) throws IOException {
        List<String> parts = components(path);
        if (parts.isEmpty()) {
            throw new Ext4Exception(path + ": the root can only be a directory");
        }
        Node parent = parentOf(parts, path);
        Node node = newNode(mode, meta);
        attach(parent, parts.get(parts.size() - 1), node);
        return node;
    }

    private void attach(Node parent, String name, Node child) {
        Node old = parent.children.put(name, child);
        if (old != null && old != child && old.isDirectory()) {
            old.parent = null; // the whole subtree is gone with it
        }
        if (child.isDirectory()) {
            child.parent = parent;
        } else {
            child.links++; // provisional, for the hard-link limit; recounted at finish
        }
        if (old != null && !old.isDirectory()) {
            old.links--;
        }
    }

    private Node parentOf(List<String> parts, String path) throws IOException {
        Node dir = root;
        for (int i = 0; i < parts.size() - 1; i++) {
            String name = parts.get(i);
            Node next = dir.children.get(name);
            if (next == null) {
                next = newNode(Ext4.S_IFDIR | 0755, Metadata.plain(0755));
                attach(dir, name, next);
            } else if (!next.isDirectory()) {
                throw new Ext4Exception(path + ": " + String.join("/", parts.subList(0, i + 1)) + " is not a directory");
            }
            dir = next;
        }
        return dir;
    }

    private Node lookup(List<String> parts) {
        Node n = root;
        for (String p : parts) {
            if (n == null || !n.isDirectory()) {
                return null;
            }
            n = n.children.get(p);
        }
        return n;
    }

    /**
     * The components of a tar path below the root. Leading "/" and "./" are dropped; ".."
     * that would leave the root is an error, as is a component longer than 255 bytes.
     */
    static List<String> components(String path) throws Ext4Exception {
        List<String> parts = new ArrayList<>();
        // A plain scan rather than String.split: this runs once per tar entry, and split's
        // compiled form is costly to produce in the short-lived JVM of a single conversion.
        for (int start = 0, end; start <= path.length(); start = end + 1) {
            end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String p = path.substring(start, end);
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new Ext4Exception(path + ": path escapes the layer root");
                }
                parts.remove(parts.size() - 1);
                continue;
            }
            // At most 3 UTF-8 bytes per char (a surrogate pair is 4 bytes for 2 chars): short names need no encoding.
            int length = p.length() * 3 <= Ext4.MAX_NAME_LENGTH ? 0 : p.getBytes(StandardCharsets.UTF_8).length;
            if (length > Ext4.MAX_NAME_LENGTH) {
                throw new Ext4Exception(path + ": name of " + length + " bytes exceeds ext4's " + Ext4.MAX_NAME_LENGTH);
            }
            parts.add(p);
        }
        return parts;
    }

    private String nameOf(Node n) {
        return "inode " + n.number;
    }

    private void checkReady(String path) throws IOException {
        if (finished) {
            throw new IllegalStateException("the image is finished");
        }
        if (open != null && !open.closed) {
            FileSink f = open;
            open = null;
            throw new Ext4Exception(f.path + ": got " + f.position + " of the " + f.size + " bytes declared before " + path);
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
