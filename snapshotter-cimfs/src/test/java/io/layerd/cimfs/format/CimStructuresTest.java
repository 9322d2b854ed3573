package io.layerd.cimfs.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** The CIM's fixed structures: what is written is read back, and the documented offsets hold. */
class CimStructuresTest {
    private static final CimGuid OWN = CimGuid.parse("0a0b0c0d-1111-2222-3333-444455556666");
    private static final CimGuid PARENT = CimGuid.parse("ffeeddcc-bbaa-9988-7766-554433221100");

    @Test
    void filesystemHeaderListsItsRegionsAndItsParentsRegions() {
        FilesystemHeader h = new FilesystemHeader(new RegionSet(OWN, 3), RegionOffset.of(3, 40), List.of(new RegionSet(PARENT, 2)));
        byte[] bytes = h.bytes();
        assertEquals(72 + 24, bytes.length);
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(96, le.getInt(8), "HeaderLength");
        assertEquals(0, bytes[12], "type image");
        assertEquals(3, le.getShort(48), "own region count at 32 + 16");
        assertEquals(RegionOffset.of(3, 40), le.getLong(56), "FilesystemOffset");
        assertEquals(1, le.getShort(70), "ParentCount");
        assertEquals(h, FilesystemHeader.read(ByteBuffer.wrap(bytes), "x.cim"));
        assertEquals(5, h.totalRegions());
        assertEquals("region_0a0b0c0d-1111-2222-3333-444455556666_2", h.regions().regionFile(2));
        assertEquals("objectid_0a0b0c0d-1111-2222-3333-444455556666_0", h.regions().objectIdFile(0));
        byte[] truncated = java.util.Arrays.copyOf(bytes, 80);
        assertThrows(CimFormatException.class, () -> FilesystemHeader.read(ByteBuffer.wrap(truncated), "x.cim"));
    }

    @Test
    void fileEntriesRoundTripAtTheirDocumentedOffsets() {
        Stream data = new Stream(RegionOffset.of(1, 4096), 12345, Stream.Type.DATA, false);
        FileEntry e = new FileEntry(FileEntry.flagsOf(FileEntry.FILE_ATTRIBUTE_ARCHIVE | FileEntry.FILE_ATTRIBUTE_HIDDEN), 44, 0xA000000C,
                1, 2, 3, 4, data, RegionOffset.of(0, 8), RegionOffset.of(0, 16), RegionOffset.of(0, 24), RegionOffset.of(0, 32), 7);
        ByteBuffer b = ByteBuffer.allocate(FileEntry.SIZE);
        e.write(b);
        ByteBuffer le = ByteBuffer.wrap(b.array()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2 | 8, le.getShort(0), "HIDDEN → flag 2, ARCHIVE → flag 8");
        assertEquals(44, le.getShort(2));
        assertEquals(0xA000000C, le.getInt(4));
        assertEquals(4, le.getLong(32), "LastAccessTime");
        assertEquals(RegionOffset.of(1, 4096), le.getLong(40), "DefaultStream");
        assertEquals(RegionOffset.of(0, 8), le.getLong(56), "SdOffset");
        assertEquals(RegionOffset.of(0, 32), le.getLong(80), "StreamTableOffset");
        assertEquals(7, le.getInt(88), "ParentFileId");
        assertEquals(e, FileEntry.read(ByteBuffer.wrap(b.array()), FileEntry.SIZE));
        assertEquals(FileEntry.FILE_ATTRIBUTE_ARCHIVE | FileEntry.FILE_ATTRIBUTE_HIDDEN | FileEntry.FILE_ATTRIBUTE_REPARSE_POINT,
                e.attributes(), "REPARSE_POINT from the reparse offset");
        FileEntry v1 = FileEntry.read(ByteBuffer.wrap(b.array()), 88);
        assertEquals(0, v1.parentFileId(), "a shorter (1.0) entry is zero-extended");
        FileEntry dir = new FileEntry(0, 0, 0, 0, 0, 0, 0, new Stream(0, 0, Stream.Type.LINK_TABLE, false), 0, 0, 0, 0, 1);
        assertTrue(dir.isDirectory());
        assertEquals(FileEntry.FILE_ATTRIBUTE_DIRECTORY, dir.attributes());
    }

    @Test
    void fileTablesHoldAtMost1024Files() {
        ByteBuffer b = ByteBuffer.allocate(FileTableEntry.SIZE);
        new FileTableEntry(RegionOffset.of(0, 64), 1024, FileEntry.SIZE).write(b);
        assertEquals(new FileTableEntry(RegionOffset.of(0, 64), 1024, 96), FileTableEntry.read(ByteBuffer.wrap(b.array())));
        ByteBuffer bad = ByteBuffer.allocate(FileTableEntry.SIZE);
        new FileTableEntry(RegionOffset.of(0, 64), 1025, FileEntry.SIZE).write(bad);
        assertThrows(CimFormatException.class, () -> FileTableEntry.read(ByteBuffer.wrap(bad.array())));
        ByteBuffer fs = ByteBuffer.allocate(FilesystemObject.SIZE);
        new FilesystemObject(RegionOffset.of(0, 40), RegionOffset.of(0, 200), 1, 1).write(fs);
        assertEquals(new FilesystemObject(RegionOffset.of(0, 40), RegionOffset.of(0, 200), 1, 1),
                FilesystemObject.read(ByteBuffer.wrap(fs.array())));
        ByteBuffer noUpcase = ByteBuffer.allocate(FilesystemObject.SIZE);
        new FilesystemObject(0, RegionOffset.of(0, 200), 1, 1).write(noUpcase);
        assertThrows(CimFormatException.class, () -> FilesystemObject.read(ByteBuffer.wrap(noUpcase.array())));
    }
}
