package io.layerd.lcow.vhd;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A dynamic (sparse) VHDX virtual disk file ([MS-VHDX], "VHDX Format Specification v1.00"): create a new
 * one, or open an existing one (for example made by Hyper-V or {@code qemu-img create -f vhdx}), then read
 * and write the virtual disk by byte offset.
 *
 * <p>Layout of files this class creates; every region and payload block is 1 MiB aligned:
 * <pre>
 *   0        file identifier ("vhdxfile", creator "layerd")
 *   64 KiB   header 1            SequenceNumber 1
 *   128 KiB  header 2            SequenceNumber 2 (current)
 *   192 KiB  region table        BAT + metadata, both Required
 *   256 KiB  region table copy
 *   1 MiB    log, 1 MiB          empty: LogGuid zero, the bytes a hole
 *   2 MiB    metadata, 1 MiB     table, then File Parameters, Virtual Disk Size, Page 83 Data,
 *                                Logical Sector Size 512, Physical Sector Size 4096 from offset 64 KiB
 *   3 MiB    BAT                 ceil(TotalBATEntries x 8 / 1 MiB) MiB, all entries zero (a hole)
 *   ...      payload blocks      appended at the end of the file as they are first written
 * </pre>
 * The file is created at the size of the BAT's end with nothing written past the metadata, so an empty
 * 20 GiB disk occupies a few hundred KiB. A payload block is allocated only when a write brings
 * non-zero data into a block that has none; writes of zeros into unallocated blocks are dropped,
 * because such blocks already read as zeros. Allocation extends the file by a whole block with
 * {@code ftruncate}, so the unwritten part of a block is a hole too.
 *
 * <p>Reading accepts the states other writers use: PAYLOAD_BLOCK_NOT_PRESENT, UNDEFINED, ZERO, UNMAPPED
 * (and the 0.95 draft's value 5) read as zeros, FULLY_PRESENT reads from the file (zeros past a
 * truncated end, which qemu tolerates too); PARTIALLY_PRESENT and a set HasParent (differencing disks)
 * are refused. A file whose current header has a non-zero LogGuid is refused: its log may hold updates
 * that must be replayed first, and this class does not implement log replay.
 *
 * <p>Metadata changes (the BAT) are written in place at {@link #flush()}/{@link #close()}, not through
 * the log; the file is consistent after {@code close()}, and a crash before it loses the blocks allocated
 * since the last flush but never exposes garbage, since a BAT entry is written only after its data.
 * Writers that need atomicity, like {@link RawToVhdx}, write a temporary file and rename it.
 *
 * <p>Header rules of [MS-VHDX] 2.2.2.1: opening for write updates both headers (SequenceNumber + 1
 * each) with a new FileWriteGuid before anything else is modified; the first write that changes
 * virtual disk contents in a session updates them again with a new DataWriteGuid. A created file starts
 * with fresh GUIDs, so its creating session needs no update.
 *
 * <p>Instances are safe for use by multiple threads (public methods are synchronized).
 */
public final class VhdxFile implements Closeable {

    private static final long KIB = 1L << 10;
    private static final long MIB = 1L << 20;

    /** Payload block size used when none is given: 1 MiB, as hcsshim creates scratch disks. */
    public static final int DEFAULT_BLOCK_SIZE = (int) MIB;
    /** Granularity of regions, the log and payload block offsets. */
    public static final long ALIGNMENT = MIB;

    /** The header section: file identifier, two headers, two region tables, reserved; 1 MiB. */
    static final long HEADER_SECTION_SIZE = MIB;
    static final long FILE_IDENTIFIER_OFFSET = 0;
    static final long HEADER1_OFFSET = 64 * KIB;
    static final long HEADER2_OFFSET = 128 * KIB;
    static final long REGION_TABLE1_OFFSET = 192 * KIB;
    static final long REGION_TABLE2_OFFSET = 256 * KIB;

    /** Layout of created files (see the class comment). */
    static final long LOG_OFFSET = MIB;
    static final long LOG_LENGTH = MIB;
    static final long METADATA_OFFSET = 2 * MIB;
    static final long METADATA_LENGTH = MIB;
    static final long BAT_OFFSET = 3 * MIB;
    /** Metadata items start right after the 64-KiB metadata table, the lowest offset [MS-VHDX] allows. */
    static final long METADATA_ITEMS_OFFSET = VhdxMetadataTable.SIZE;

    static final long LOGICAL_SECTOR_SIZE = 512;
    /** Advertise 4 KiB physical sectors, as Hyper-V does for new disks, so guests align their I/O. */
    static final long PHYSICAL_SECTOR_SIZE = 4096;
    static final String CREATOR = "layerd";

    /** Parent Locator metadata item, present only in differencing files. */
    static final UUID PARENT_LOCATOR_ITEM_ID = UUID.fromString("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    /** The BAT is written back in 4-KiB pages of 4096 / 8 = 512 entries. */
    private static final int BAT_PAGE_ENTRIES = 4096 / VhdxBatEntry.SIZE;

    private static final byte[] ZEROS = new byte[(int) (64 * KIB)];
    private static final ByteBuffer ZERO_BUFFER = ByteBuffer.wrap(ZEROS).asReadOnlyBuffer();

    private final Path path;
    private final String name;
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final boolean writable;
    private final Supplier<UUID> guids;
    private final VhdxHeader[] headers;
    private int current;
    private final UUID sessionFileWriteGuid;
    private final VhdxRegionTable regionTable;
    private final VhdxRegionTableEntry batRegion;
    private final VhdxFileParameters fileParameters;
    private final long virtualSize;
    private final long logicalSectorSize;
    private final long physicalSectorSize;
    private final UUID diskId;
    private final VhdxBatLayout layout;
    private final long[] bat;
    private final BitSet dirtyBatPages = new BitSet();
    private long nextFreeOffset;
    private boolean dataWriteGuidChanged;
    private boolean closed;

    private VhdxFile(Path path, RandomAccessFile file, boolean writable, Supplier<UUID> guids, VhdxHeader[] headers,
            int current, UUID sessionFileWriteGuid, VhdxRegionTable regionTable, VhdxFileParameters fileParameters,
            long virtualSize, long logicalSectorSize, long physicalSectorSize, UUID diskId, long[] bat,
            long nextFreeOffset, boolean dataWriteGuidChanged) {
        this.path = path;
        this.name = path.toString();
        this.file = file;
        this.channel = file.getChannel();
        this.writable = writable;
        this.guids = guids;
        this.headers = headers;
        this.current = current;
        this.sessionFileWriteGuid = sessionFileWriteGuid;
        this.regionTable = regionTable;
        this.batRegion = regionTable.find(VhdxRegionTableEntry.BAT_GUID).orElseThrow();
        this.fileParameters = fileParameters;
        this.virtualSize = virtualSize;
        this.logicalSectorSize = logicalSectorSize;
        this.physicalSectorSize = physicalSectorSize;
        this.diskId = diskId;
        this.layout = new VhdxBatLayout(virtualSize, fileParameters.blockSize(), logicalSectorSize);
        this.bat = bat;
        this.nextFreeOffset = nextFreeOffset;
        this.dataWriteGuidChanged = dataWriteGuidChanged;
    }

    // ---------------------------------------------------------------- create

    /** {@link #create(Path, long, int, UUID)} with 1-MiB blocks and a random virtual disk id. */
    public static VhdxFile create(Path path, long virtualSize) throws IOException {
        return create(path, virtualSize, DEFAULT_BLOCK_SIZE, UUID.randomUUID());
    }

    /** {@link #create(Path, long, int, UUID, Supplier)} with random write GUIDs. */
    public static VhdxFile create(Path path, long virtualSize, int blockSize, UUID diskId) throws IOException {
        return create(path, virtualSize, blockSize, diskId, UUID::randomUUID);
    }

    /**
     * Creates a new, empty dynamic VHDX file, open for writing. Fails if {@code path} exists.
     *
     * @param virtualSize bytes of the virtual disk: a multiple of 512, at most 64 TiB
     * @param blockSize   payload block size: a power of two from 1 MiB to 256 MiB
     * @param diskId      the virtual disk id (Page 83 Data)
     * @param guids       source of FileWriteGuid and DataWriteGuid (now and in later header updates of this
     *                    session); a fixed sequence makes the file's bytes reproducible
     */
    public static VhdxFile create(Path path, long virtualSize, int blockSize, UUID diskId, Supplier<UUID> guids)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(diskId, "diskId");
        Objects.requireNonNull(guids, "guids");
        if (virtualSize <= 0 || virtualSize % LOGICAL_SECTOR_SIZE != 0 || virtualSize > VhdxVirtualDiskSize.MAX) {
            throw new IllegalArgumentException("VHDX virtual size must be a positive multiple of "
                    + LOGICAL_SECTOR_SIZE + " bytes, at most 64 TiB: " + virtualSize);
        }
        if (!VhdxFileParameters.isValidBlockSize(blockSize)) {
            throw new IllegalArgumentException("VHDX block size must be a power of two from 1 MiB to 256 MiB: "
                    + blockSize);
        }
        VhdxBatLayout layout = new VhdxBatLayout(virtualSize, blockSize, LOGICAL_SECTOR_SIZE);
        long batLength = roundUp(layout.totalBatEntries() * VhdxBatEntry.SIZE, ALIGNMENT);
        VhdxRegionTable regionTable = VhdxRegionTable.create(List.of(
                new VhdxRegionTableEntry(VhdxRegionTableEntry.BAT_GUID, BAT_OFFSET, batLength, true),
                new VhdxRegionTableEntry(VhdxRegionTableEntry.METADATA_GUID, METADATA_OFFSET, METADATA_LENGTH, true)));
        VhdxFileParameters parameters = new VhdxFileParameters(blockSize, false, false);
        UUID fileWriteGuid = Objects.requireNonNull(guids.get(), "FileWriteGuid");
        UUID dataWriteGuid = Objects.requireNonNull(guids.get(), "DataWriteGuid");
        VhdxHeader header1 = VhdxHeader.create(1, fileWriteGuid, dataWriteGuid, LOG_OFFSET, LOG_LENGTH);
        VhdxHeader header2 = header1.next(fileWriteGuid, dataWriteGuid);

        Files.createFile(path);
        RandomAccessFile raf = null;
        try {
            raf = new RandomAccessFile(path.toFile(), "rw");
            FileChannel ch = raf.getChannel();
            // Everything not written below (log, BAT, reserved space) stays a hole and reads as zeros.
            raf.setLength(BAT_OFFSET + batLength);
            ByteBuffer table = ByteBuffer.allocate(VhdxRegionTable.SIZE);
            regionTable.writeTo(table);
            writeFully(ch, table.flip(), REGION_TABLE1_OFFSET);
            writeFully(ch, table.rewind(), REGION_TABLE2_OFFSET);
            writeFully(ch, encodeMetadata(virtualSize, parameters, diskId), METADATA_OFFSET);
            // The identifier and headers go last so that an interrupted create is not a valid VHDX.
            ByteBuffer identifier = ByteBuffer.allocate(VhdxFileIdentifier.SIZE);
            new VhdxFileIdentifier(CREATOR).writeTo(identifier);
            writeFully(ch, identifier.flip(), FILE_IDENTIFIER_OFFSET);
            writeFully(ch, encode(header1), HEADER1_OFFSET);
            writeFully(ch, encode(header2), HEADER2_OFFSET);
            ch.force(true);
            long[] bat = new long[Math.toIntExact(layout.totalBatEntries())];
            return new VhdxFile(path, raf, true, guids, new VhdxHeader[] {header1, header2}, 1, fileWriteGuid,
                    regionTable, parameters, virtualSize, LOGICAL_SECTOR_SIZE, PHYSICAL_SECTOR_SIZE, diskId, bat,
                    BAT_OFFSET + batLength, true);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(raf, e);
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The metadata table and the five required items, as the first bytes of the metadata region. */
    private static ByteBuffer encodeMetadata(long virtualSize, VhdxFileParameters parameters, UUID diskId) {
        long fileParameters = METADATA_ITEMS_OFFSET;
        long diskSize = fileParameters + VhdxFileParameters.SIZE;
        long page83 = diskSize + VhdxVirtualDiskSize.SIZE;
        long logical = page83 + VhdxPage83Data.SIZE;
        long physical = logical + VhdxLogicalSectorSize.SIZE;
        long end = physical + VhdxPhysicalSectorSize.SIZE;
        // Flags per [MS-VHDX] 2.6.2: File Parameters describes the file, the others the virtual disk;
        // all five are required to interpret the file.
        VhdxMetadataTable table = new VhdxMetadataTable(List.of(
                new VhdxMetadataTableEntry(VhdxFileParameters.ITEM_ID, fileParameters, VhdxFileParameters.SIZE,
                        false, false, true),
                new VhdxMetadataTableEntry(VhdxVirtualDiskSize.ITEM_ID, diskSize, VhdxVirtualDiskSize.SIZE,
                        false, true, true),
                new VhdxMetadataTableEntry(VhdxPage83Data.ITEM_ID, page83, VhdxPage83Data.SIZE, false, true, true),
                new VhdxMetadataTableEntry(VhdxLogicalSectorSize.ITEM_ID, logical, VhdxLogicalSectorSize.SIZE,
                        false, true, true),
                new VhdxMetadataTableEntry(VhdxPhysicalSectorSize.ITEM_ID, physical, VhdxPhysicalSectorSize.SIZE,
                        false, true, true)));
        ByteBuffer buf = ByteBuffer.allocate((int) end);
        table.writeTo(buf);
        parameters.writeTo(buf);
        new VhdxVirtualDiskSize(virtualSize).writeTo(buf);
        new VhdxPage83Data(diskId).writeTo(buf);
        new VhdxLogicalSectorSize(LOGICAL_SECTOR_SIZE).writeTo(buf);
        new VhdxPhysicalSectorSize(PHYSICAL_SECTOR_SIZE).writeTo(buf);
        return buf.flip();
    }

    // ---------------------------------------------------------------- open

    /** {@link #open(Path, boolean, Supplier)} with random write GUIDs. */
    public static VhdxFile open(Path path, boolean writable) throws IOException {
        return open(path, writable, UUID::randomUUID);
    }

    /**
     * Opens an existing fixed or dynamic VHDX file.
     *
     * @param writable open for writing: updates both headers with a new FileWriteGuid before returning
     * @param guids    source of the new FileWriteGuid and DataWriteGuid values of this session
     * @throws IOException if the file is not a valid VHDX, is a differencing disk, or has a log to replay
     */
    public static VhdxFile open(Path path, boolean writable, Supplier<UUID> guids) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(guids, "guids");
        // RandomAccessFile "rw" would create a missing file; a VHDX must already exist.
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such VHDX file");
        }
        RandomAccessFile raf = new RandomAccessFile(path.toFile(), writable ? "rw" : "r");
        try {
            return load(path, raf, writable, guids);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(raf, e);
            throw e;
        }
    }

    private static VhdxFile load(Path path, RandomAccessFile raf, boolean writable, Supplier<UUID> guids)
            throws IOException {
        String name = path.toString();
        FileChannel ch = raf.getChannel();
        long fileSize = ch.size();
        if (fileSize < HEADER_SECTION_SIZE) {
            throw new IOException(name + ": " + fileSize + " bytes is too small for a VHDX file (the header"
                    + " section alone is 1 MiB)");
        }
        VhdxFileIdentifier.read(readAt(ch, FILE_IDENTIFIER_OFFSET, VhdxFileIdentifier.SIZE, name), name);

        // Headers: the valid one with the larger SequenceNumber is current ([MS-VHDX] 2.2.2).
        VhdxHeader[] headers = new VhdxHeader[2];
        String[] problems = new String[2];
        long[] offsets = {HEADER1_OFFSET, HEADER2_OFFSET};
        for (int i = 0; i < 2; i++) {
            String where = name + ": header " + (i + 1) + " (offset " + offsets[i] + ")";
            try {
                headers[i] = VhdxHeader.read(readAt(ch, offsets[i], VhdxHeader.SIZE, where), where);
            } catch (IOException e) {
                problems[i] = e.getMessage();
            }
        }
        int current;
        if (headers[0] == null && headers[1] == null) {
            throw new IOException(name + ": no valid VHDX header: " + problems[0] + "; " + problems[1]);
        } else if (headers[1] == null) {
            current = 0;
        } else if (headers[0] == null) {
            current = 1;
        } else {
            int order = Long.compareUnsigned(headers[0].sequenceNumber(), headers[1].sequenceNumber());
            if (order == 0 && !headers[0].equals(headers[1])) {
                throw new IOException(name + ": both VHDX headers have SequenceNumber "
                        + Long.toUnsignedString(headers[0].sequenceNumber()) + " but differ, so neither is current");
            }
            // Equal and identical headers (Disk2VHD writes them) are accepted, as qemu does.
            current = order >= 0 ? 0 : 1;
        }
        VhdxHeader header = headers[current];
        String headerName = name + ": current header " + (current + 1);
        if (header.logVersion() != VhdxHeader.LOG_VERSION_0) {
            throw new IOException(headerName + " field LogVersion is " + header.logVersion() + ", expected 0");
        }
        if (header.hasActiveLog()) {
            throw new IOException(name + ": the VHDX log is not empty (current header field LogGuid is "
                    + header.logGuid() + "): its entries must be replayed before the file can be used, and this"
                    + " implementation does not replay logs; replay it first, e.g. with 'qemu-img check -r all "
                    + name + "' or by attaching the disk in Hyper-V");
        }
        if (header.logOffset() < HEADER_SECTION_SIZE || header.logOffset() % ALIGNMENT != 0
                || header.logLength() % ALIGNMENT != 0) {
            throw new IOException(headerName + " fields LogOffset " + header.logOffset() + " and LogLength "
                    + header.logLength() + " must be multiples of 1 MiB, LogOffset at least 1 MiB");
        }

        VhdxRegionTable regionTable = readRegionTable(ch, name);
        List<long[]> occupied = new ArrayList<>();
        occupied.add(new long[] {0, HEADER_SECTION_SIZE});
        if (header.logLength() > 0) {
            occupied.add(new long[] {header.logOffset(), header.logOffset() + header.logLength()});
        }
        for (VhdxRegionTableEntry e : regionTable.entries()) {
            boolean known = e.guid().equals(VhdxRegionTableEntry.BAT_GUID)
                    || e.guid().equals(VhdxRegionTableEntry.METADATA_GUID);
            if (!known && e.required()) {
                throw new IOException(name + ": region table entry " + e.guid()
                        + " is marked Required but is not a region this implementation knows");
            }
            if (e.fileOffset() < HEADER_SECTION_SIZE || e.fileOffset() % ALIGNMENT != 0
                    || e.length() % ALIGNMENT != 0) {
                throw new IOException(name + ": region " + e.guid() + " fields FileOffset " + e.fileOffset()
                        + " and Length " + e.length() + " must be multiples of 1 MiB, FileOffset at least 1 MiB");
            }
            checkNoOverlap(name, "region " + e.guid(), e.fileOffset(), e.end(), occupied);
            occupied.add(new long[] {e.fileOffset(), e.end()});
        }
        VhdxRegionTableEntry batRegion = regionTable.find(VhdxRegionTableEntry.BAT_GUID).orElseThrow(
                () -> new IOException(name + ": region table has no BAT region (Guid "
                        + VhdxRegionTableEntry.BAT_GUID + ")"));
        VhdxRegionTableEntry metadataRegion = regionTable.find(VhdxRegionTableEntry.METADATA_GUID).orElseThrow(
                () -> new IOException(name + ": region table has no metadata region (Guid "
                        + VhdxRegionTableEntry.METADATA_GUID + ")"));

        // Metadata ([MS-VHDX] 2.6).
        if (metadataRegion.length() < VhdxMetadataTable.SIZE) {
            throw new IOException(name + ": metadata region Length " + metadataRegion.length()
                    + " cannot hold the 64-KiB metadata table");
        }
        VhdxMetadataTable metadata = VhdxMetadataTable.read(
                readAt(ch, metadataRegion.fileOffset(), VhdxMetadataTable.SIZE, name), name);
        List<UUID> known = List.of(VhdxFileParameters.ITEM_ID, VhdxVirtualDiskSize.ITEM_ID, VhdxPage83Data.ITEM_ID,
                VhdxLogicalSectorSize.ITEM_ID, VhdxPhysicalSectorSize.ITEM_ID, PARENT_LOCATOR_ITEM_ID);
        for (VhdxMetadataTableEntry e : metadata.entries()) {
            if (e.isRequired() && (e.isUser() || !known.contains(e.itemId()))) {
                throw new IOException(name + ": metadata item " + e.itemId()
                        + " is marked IsRequired but is not an item this implementation knows");
            }
        }
        VhdxFileParameters parameters = VhdxFileParameters.read(
                metadataItem(ch, name, metadataRegion, metadata, VhdxFileParameters.ITEM_ID, "File Parameters",
                        VhdxFileParameters.SIZE), name);
        if (parameters.hasParent()) {
            throw new IOException(name + ": File Parameters field HasParent is set: differencing VHDX files are"
                    + " not supported");
        }
        long virtualSize = VhdxVirtualDiskSize.read(
                metadataItem(ch, name, metadataRegion, metadata, VhdxVirtualDiskSize.ITEM_ID, "Virtual Disk Size",
                        VhdxVirtualDiskSize.SIZE), name).virtualDiskSize();
        UUID diskId = VhdxPage83Data.read(
                metadataItem(ch, name, metadataRegion, metadata, VhdxPage83Data.ITEM_ID, "Page 83 Data",
                        VhdxPage83Data.SIZE)).pageData();
        long logical = VhdxLogicalSectorSize.read(
                metadataItem(ch, name, metadataRegion, metadata, VhdxLogicalSectorSize.ITEM_ID, "Logical Sector Size",
                        VhdxLogicalSectorSize.SIZE), name).logicalSectorSize();
        long physical = VhdxPhysicalSectorSize.read(
                metadataItem(ch, name, metadataRegion, metadata, VhdxPhysicalSectorSize.ITEM_ID,
                        "Physical Sector Size", VhdxPhysicalSectorSize.SIZE), name).physicalSectorSize();
        if (virtualSize % logical != 0) {
            throw new IOException(name + ": Virtual Disk Size field VirtualDiskSize " + virtualSize
                    + " is not a multiple of LogicalSectorSize " + logical);
        }

        // BAT ([MS-VHDX] 2.5).
        VhdxBatLayout layout = new VhdxBatLayout(virtualSize, parameters.blockSize(), logical);
        long entries = layout.totalBatEntries();
        if (entries * VhdxBatEntry.SIZE > batRegion.length()) {
            throw new IOException(name + ": BAT region Length " + batRegion.length() + " holds fewer than the "
                    + entries + " entries a " + virtualSize + "-byte disk with " + parameters.blockSize()
                    + "-byte blocks needs");
        }
        if (entries > Integer.MAX_VALUE / VhdxBatEntry.SIZE) {
            throw new IOException(name + ": BAT of " + entries + " entries is too large to load");
        }
        long[] bat = new long[(int) entries];
        ByteBuffer raw = readAt(ch, batRegion.fileOffset(), bat.length * VhdxBatEntry.SIZE, name)
                .order(ByteOrder.LITTLE_ENDIAN);
        long end = fileSize;
        for (long[] r : occupied) {
            end = Math.max(end, r[1]);
        }
        for (int i = 0; i < bat.length; i++) {
            bat[i] = raw.getLong(i * VhdxBatEntry.SIZE);
            VhdxBatEntry e = VhdxBatEntry.decode(bat[i]);
            if (layout.isSectorBitmapIndex(i)) {
                // Only SB_BLOCK_NOT_PRESENT is valid without a parent; a present one is never read, but
                // its space must not be handed out again.
                if (e.state() == VhdxBatEntry.SB_BLOCK_PRESENT) {
                    end = Math.max(end, e.fileOffset() + MIB);
                }
                continue;
            }
            switch (e.state()) {
                case VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT -> {
                    long start = e.fileOffset();
                    if (start < HEADER_SECTION_SIZE || start > Long.MAX_VALUE - parameters.blockSize()) {
                        throw new IOException(name + ": BAT entry " + i + " field FileOffsetMB "
                                + e.fileOffsetMB() + " places a payload block inside the header section");
                    }
                    checkNoOverlap(name, "payload block of BAT entry " + i, start, start + parameters.blockSize(),
                            occupied);
                    end = Math.max(end, start + parameters.blockSize());
                }
                case VhdxBatEntry.PAYLOAD_BLOCK_NOT_PRESENT, VhdxBatEntry.PAYLOAD_BLOCK_UNDEFINED,
                        VhdxBatEntry.PAYLOAD_BLOCK_ZERO, VhdxBatEntry.PAYLOAD_BLOCK_UNMAPPED,
                        VhdxBatEntry.PAYLOAD_BLOCK_UNMAPPED_V095 -> {
                }
                default -> throw new IOException(name + ": BAT entry " + i + " field State is "
                        + VhdxBatEntry.payloadStateName(e.state()) + ", which a fixed or dynamic VHDX cannot use");
            }
        }

        VhdxFile vhdx = new VhdxFile(path, raf, writable, guids, headers, current,
                writable ? Objects.requireNonNull(guids.get(), "FileWriteGuid") : null, regionTable, parameters,
                virtualSize, logical, physical, diskId, bat, roundUp(end, ALIGNMENT), false);
        if (writable) {
            // [MS-VHDX] 2.2.2.1: before any other modification, a new FileWriteGuid; both headers updated.
            vhdx.updateHeaders(header.dataWriteGuid());
        }
        return vhdx;
    }

    /** The first region table copy that validates; the second is a backup of the first. */
    private static VhdxRegionTable readRegionTable(FileChannel ch, String name) throws IOException {
        String first = name + ": region table (offset " + REGION_TABLE1_OFFSET + ")";
        try {
            return VhdxRegionTable.read(readAt(ch, REGION_TABLE1_OFFSET, VhdxRegionTable.SIZE, first), first);
        } catch (IOException primary) {
            String second = name + ": region table copy (offset " + REGION_TABLE2_OFFSET + ")";
            try {
                return VhdxRegionTable.read(readAt(ch, REGION_TABLE2_OFFSET, VhdxRegionTable.SIZE, second), second);
            } catch (IOException backup) {
                IOException e = new IOException(name + ": no valid region table: " + primary.getMessage() + "; "
                        + backup.getMessage());
                e.addSuppressed(primary);
                e.addSuppressed(backup);
                throw e;
            }
        }
    }

    private static ByteBuffer metadataItem(FileChannel ch, String name, VhdxRegionTableEntry region,
            VhdxMetadataTable table, UUID itemId, String itemName, int size) throws IOException {
        VhdxMetadataTableEntry e = table.entries().stream()
                .filter(x -> !x.isUser() && x.itemId().equals(itemId)).findFirst()
                .orElseThrow(() -> new IOException(name + ": required metadata item " + itemName + " (ItemId "
                        + itemId + ") is missing"));
        if (e.length() < size || e.offset() < VhdxMetadataTable.SIZE || e.offset() + e.length() > region.length()) {
            throw new IOException(name + ": metadata item " + itemName + " fields Offset " + e.offset()
                    + " and Length " + e.length() + " do not describe " + size + " bytes inside the metadata region");
        }
        return readAt(ch, region.fileOffset() + e.offset(), size, name);
    }

    private static void checkNoOverlap(String name, String what, long start, long end, List<long[]> occupied)
            throws IOException {
        for (long[] r : occupied) {
            if (start < r[1] && r[0] < end) {
                throw new IOException(name + ": " + what + " at [" + start + ", " + end + ") overlaps the structure"
                        + " at [" + r[0] + ", " + r[1] + ")");
            }
        }
    }

    // ---------------------------------------------------------------- accessors

    public Path path() {
        return path;
    }

    /** Bytes of the virtual disk. */
    public long virtualSize() {
        return virtualSize;
    }

    /** Payload block size in bytes. */
    public int blockSize() {
        return (int) fileParameters.blockSize();
    }

    public long logicalSectorSize() {
        return logicalSectorSize;
    }

    public long physicalSectorSize() {
        return physicalSectorSize;
    }

    /** The virtual disk id (Page 83 Data). */
    public UUID diskId() {
        return diskId;
    }

    public VhdxFileParameters fileParameters() {
        return fileParameters;
    }

    public VhdxRegionTable regionTable() {
        return regionTable;
    }

    public VhdxBatLayout batLayout() {
        return layout;
    }

    /** The current header (the one with the larger SequenceNumber). */
    public synchronized VhdxHeader header() {
        return headers[current];
    }

    public boolean isWritable() {
        return writable;
    }

    /** The BAT entry of payload block {@code block} (virtual offset {@code block * blockSize()}). */
    public synchronized VhdxBatEntry payloadBatEntry(long block) {
        if (block < 0 || block >= layout.payloadBlocks()) {
            throw new IndexOutOfBoundsException("payload block " + block + " of " + layout.payloadBlocks());
        }
        return VhdxBatEntry.decode(bat[(int) layout.batIndex(block)]);
    }

    /** Bytes of virtual disk backed by file space: fully present payload blocks x block size. */
    public synchronized long allocatedBytes() {
        long blocks = 0;
        for (int i = 0; i < bat.length; i++) {
            if (!layout.isSectorBitmapIndex(i)
                    && (bat[i] & VhdxBatEntry.STATE_MASK) == VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT) {
                blocks++;
            }
        }
        return blocks * fileParameters.blockSize();
    }

    // ---------------------------------------------------------------- I/O

    /**
     * Reads virtual disk bytes at {@code offset} into {@code dst} (up to its remaining space or the end of
     * the disk), advancing its position. Unallocated blocks read as zeros.
     *
     * @return bytes read, or -1 if {@code offset} is at or past the end of the disk and {@code dst} has room
     */
    public synchronized int read(long offset, ByteBuffer dst) throws IOException {
        ensureOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset: " + offset);
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (offset >= virtualSize) {
            return -1;
        }
        int total = (int) Math.min(dst.remaining(), virtualSize - offset);
        long blockSize = fileParameters.blockSize();
        int done = 0;
        while (done < total) {
            long block = offset / blockSize;
            long within = offset % blockSize;
            int n = (int) Math.min(total - done, blockSize - within);
            ByteBuffer piece = dst.slice(dst.position(), n);
            long entry = bat[(int) layout.batIndex(block)];
            int state = (int) (entry & VhdxBatEntry.STATE_MASK);
            if (state == VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT) {
                readOrZero(piece, VhdxBatEntry.decode(entry).fileOffset() + within);
            } else if (readsAsZero(state)) {
                zero(piece);
            } else {
                throw new IOException(name + ": payload block " + block + " has BAT State "
                        + VhdxBatEntry.payloadStateName(state));
            }
            dst.position(dst.position() + n);
            done += n;
            offset += n;
        }
        return total;
    }

    /**
     * Writes all of {@code src} to the virtual disk at {@code offset}, advancing its position. A block
     * without data is allocated (at the end of the file) only if non-zero bytes are written into it.
     */
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        ensureOpen();
        if (!writable) {
            throw new IOException(name + ": VHDX file is open read-only");
        }
        if (offset < 0 || offset > virtualSize - src.remaining()) {
            throw new IllegalArgumentException("write of " + src.remaining() + " bytes at " + offset
                    + " is outside the " + virtualSize + "-byte virtual disk");
        }
        long blockSize = fileParameters.blockSize();
        while (src.hasRemaining()) {
            long block = offset / blockSize;
            long within = offset % blockSize;
            int n = (int) Math.min(src.remaining(), blockSize - within);
            ByteBuffer piece = src.slice(src.position(), n);
            int index = (int) layout.batIndex(block);
            int state = (int) (bat[index] & VhdxBatEntry.STATE_MASK);
            if (state == VhdxBatEntry.PAYLOAD_BLOCK_FULLY_PRESENT) {
                beforeVisibleWrite();
                writeFully(channel, piece, VhdxBatEntry.decode(bat[index]).fileOffset() + within);
            } else if (readsAsZero(state)) {
                if (!isAllZero(piece)) {
                    beforeVisibleWrite();
                    long blockOffset = allocateBlock();
                    writeFully(channel, piece, blockOffset + within);
                    // The entry is set only after the data is written (and persisted at flush).
                    setBatEntry(index, VhdxBatEntry.fullyPresent(blockOffset).encode());
                }
            } else {
                throw new IOException(name + ": payload block " + block + " has BAT State "
                        + VhdxBatEntry.payloadStateName(state));
            }
            src.position(src.position() + n);
            offset += n;
        }
    }

    /** Writes changed BAT pages and syncs the file to storage. */
    public synchronized void flush() throws IOException {
        ensureOpen();
        if (!writable) {
            return;
        }
        ByteBuffer page = ByteBuffer.allocate(BAT_PAGE_ENTRIES * VhdxBatEntry.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = dirtyBatPages.nextSetBit(0); p >= 0; p = dirtyBatPages.nextSetBit(p + 1)) {
            int first = p * BAT_PAGE_ENTRIES;
            int count = Math.min(BAT_PAGE_ENTRIES, bat.length - first);
            page.clear();
            for (int i = 0; i < count; i++) {
                page.putLong(bat[first + i]);
            }
            writeFully(channel, page.flip(), batRegion.fileOffset() + (long) first * VhdxBatEntry.SIZE);
        }
        channel.force(true);
        dirtyBatPages.clear();
    }

    /** Flushes (if writable) and closes the file. Closing twice is harmless. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (writable) {
                flush();
            }
        } finally {
            closed = true;
            file.close();
        }
    }

    @Override
    public String toString() {
        return "VhdxFile[" + name + ", " + virtualSize + " bytes, block " + fileParameters.blockSize()
                + (writable ? ", writable]" : ", read-only]");
    }

    // ---------------------------------------------------------------- internals

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(name + ": VHDX file is closed");
        }
    }

    /** [MS-VHDX] 2.2.2.1: the first user-visible change of a session needs a new DataWriteGuid first. */
    private void beforeVisibleWrite() throws IOException {
        if (!dataWriteGuidChanged) {
            updateHeaders(Objects.requireNonNull(guids.get(), "DataWriteGuid"));
            dataWriteGuidChanged = true;
        }
    }

    /**
     * The header update procedure of [MS-VHDX] 2.2.2.1, done twice so both headers end up current: write
     * the non-current header with SequenceNumber + 1, flush, and it becomes current.
     */
    private void updateHeaders(UUID dataWriteGuid) throws IOException {
        for (int round = 0; round < 2; round++) {
            int target = 1 - current;
            VhdxHeader next = headers[current].next(sessionFileWriteGuid, dataWriteGuid);
            writeFully(channel, encode(next), target == 0 ? HEADER1_OFFSET : HEADER2_OFFSET);
            channel.force(false);
            headers[target] = next;
            current = target;
        }
    }

    /** Reserves a new 1-MiB-aligned block at the end of the file; the file grows by a hole. */
    private long allocateBlock() throws IOException {
        long offset = nextFreeOffset;
        long end = offset + fileParameters.blockSize();
        if ((offset >>> VhdxBatEntry.FILE_OFFSET_SHIFT) > VhdxBatEntry.MAX_FILE_OFFSET_MB) {
            throw new IOException(name + ": file offset " + offset + " does not fit a BAT entry's FileOffsetMB");
        }
        if (file.length() < end) {
            file.setLength(end);
        }
        nextFreeOffset = end;
        return offset;
    }

    private void setBatEntry(int index, long value) {
        bat[index] = value;
        dirtyBatPages.set(index / BAT_PAGE_ENTRIES);
    }

    private void readOrZero(ByteBuffer piece, long position) throws IOException {
        while (piece.hasRemaining()) {
            int n = channel.read(piece, position);
            if (n < 0) {
                // Past the end of a truncated file: qemu tolerates a partial last block, so do we.
                zero(piece);
                return;
            }
            position += n;
        }
    }

    private static boolean readsAsZero(int state) {
        return state == VhdxBatEntry.PAYLOAD_BLOCK_NOT_PRESENT || state == VhdxBatEntry.PAYLOAD_BLOCK_UNDEFINED
                || state == VhdxBatEntry.PAYLOAD_BLOCK_ZERO || state == VhdxBatEntry.PAYLOAD_BLOCK_UNMAPPED
                || state == VhdxBatEntry.PAYLOAD_BLOCK_UNMAPPED_V095;
    }

    /** Fills the remaining bytes of {@code buf} with zeros, advancing its position. */
    private static void zero(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            int n = Math.min(buf.remaining(), ZEROS.length);
            buf.put(ZEROS, 0, n);
        }
    }

    /** True if every remaining byte of {@code buf} is zero; the position is not changed. */
    static boolean isAllZero(ByteBuffer buf) {
        int pos = buf.position();
        int limit = buf.limit();
        while (pos < limit) {
            int n = Math.min(limit - pos, ZEROS.length);
            if (buf.slice(pos, n).mismatch(ZERO_BUFFER.slice(0, n)) != -1) {
                return false;
            }
            pos += n;
        }
        return true;
    }

    private static ByteBuffer encode(VhdxHeader header) {
        ByteBuffer buf = ByteBuffer.allocate(VhdxHeader.SIZE);
        header.writeTo(buf);
        return buf.flip();
    }

    static ByteBuffer readAt(FileChannel ch, long position, int length, String name) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException(name + ": unexpected end of file reading " + length + " bytes at offset "
                        + position);
            }
        }
        return buf.flip();
    }

    static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        ByteBuffer b = buf.duplicate();
        while (b.hasRemaining()) {
            position += ch.write(b, position);
        }
    }

    static long roundUp(long value, long alignment) {
        return VhdxBatLayout.ceilDiv(value, alignment) * alignment;
    }

    private static void closeQuietly(AutoCloseable c, Throwable primary) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception suppressed) {
                primary.addSuppressed(suppressed);
            }
        }
    }
}
