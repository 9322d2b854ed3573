package io.layerd.cimfs.image;

import io.layerd.cimfs.format.CimFormatException;
import io.layerd.cimfs.format.CimGuid;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * PE-image streams, which CimFS.dll writes for executables and layerd's writer does not: a CIM put
 * together by hand from the format structures holds one, and CimReader returns the file's own bytes
 * from the expanded image through its mappings.
 */
class PeImageStreamTest {
    @TempDir
    Path dir;

    /** A 3000-byte "executable": header 0..1024 stays in place, the rest was moved 3072 bytes further (to 4 KiB). */
    private static final int SIZE = 3000;

    @Test
    void segmentsFollowTheMappings() {
        PeImage pe = new PeImage(0, 8192, 8192, 0, List.of(new PeImage.Mapping(0, 0), new PeImage.Mapping(1024, 3072)));
        assertEquals(new PeImage.Segment(0, 1024), pe.segment(0, SIZE));
        assertEquals(new PeImage.Segment(1000, 24), pe.segment(1000, SIZE));
        assertEquals(new PeImage.Segment(4096, 1976), pe.segment(1024, SIZE));
        assertEquals(new PeImage.Segment(5999, 1), pe.segment(2927, 2928), "the last byte of a shorter file");
        assertEquals(pe, PeImage.read(ByteBuffer.wrap(pe.bytes())));
        PeImage short_ = new PeImage(0, 4000, 8192, 0, pe.mappings());
        assertThrows(CimFormatException.class, () -> short_.segment(1024, SIZE), "data shorter than the mapping needs");
        assertThrows(CimFormatException.class, () -> new PeImage(0, 1, 1, 0, List.of(new PeImage.Mapping(8, 0))));
    }

    @Test
    void readerReturnsTheFileBytesOfAPeImageStream() throws Exception {
        byte[] file = new byte[SIZE];
        new java.util.Random(7).nextBytes(file);
        byte[] expanded = new byte[8192];
        System.arraycopy(file, 0, expanded, 0, 1024);
        System.arraycopy(file, 1024, expanded, 4096, SIZE - 1024);

        UpcaseTable upcase = UpcaseTable.standard();
        ByteArrayOutputStream region = new ByteArrayOutputStream();
        region.writeBytes(RegionHeader.region(0));
        ByteBuffer table = ByteBuffer.allocate(UpcaseTable.BYTES);
        upcase.write(table);
        long upcaseAt = put(region, table.array());
        long dataAt = put(region, expanded);
        PeImage pe = new PeImage(dataAt, expanded.length, expanded.length, 0,
                List.of(new PeImage.Mapping(0, 0), new PeImage.Mapping(1024, 3072)));
        long peAt = put(region, pe.bytes());
        byte[] links = LinkTable.encode(Map.of("app.exe", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(2).array()), 4, upcase);
        long linksAt = put(region, links);
        ByteBuffer entries = ByteBuffer.allocate(2 * FileEntry.SIZE);
        new FileEntry(0, 0, 0, 1, 2, 3, 4, new Stream(linksAt, links.length, Stream.Type.LINK_TABLE, false),
                0, 0, 0, 0, 0).write(entries);
        new FileEntry(FileEntry.flagsOf(0x20), 0, 0, 1, 2, 3, 4, new Stream(peAt, SIZE, Stream.Type.PE_IMAGE, false),
                0, 0, 0, 0, 1).write(entries);
        long entriesAt = put(region, entries.array());
        ByteBuffer directory = ByteBuffer.allocate(FileTableEntry.SIZE);
        new FileTableEntry(entriesAt, 2, FileEntry.SIZE).write(directory);
        long directoryAt = put(region, directory.array());
        ByteBuffer fs = ByteBuffer.allocate(FilesystemObject.SIZE);
        new FilesystemObject(upcaseAt, directoryAt, 1, 1).write(fs);
        long fsAt = put(region, fs.array());

        RegionSet regions = new RegionSet(new CimGuid(UUID.fromString("0d9b4c61-7f2e-4a8e-9a0b-2c3d4e5f6071")), 1);
        Files.write(dir.resolve(regions.regionFile(0)), region.toByteArray());
        Files.write(dir.resolve(regions.objectIdFile(0)), RegionHeader.objectIds(0));
        Files.write(dir.resolve("pe.cim"), new FilesystemHeader(regions, fsAt, List.of()).bytes());

        try (CimReader r = CimReader.open(dir.resolve("pe.cim")); InputStream in = r.open(r.lookup("APP.EXE").orElseThrow())) {
            assertArrayEquals(file, in.readAllBytes());
        }
    }

    private static long put(ByteArrayOutputStream out, byte[] bytes) {
        while (out.size() % 8 != 0) {
            out.write(0);
        }
        long at = out.size();
        out.writeBytes(bytes);
        return RegionOffset.of(0, at);
    }
}
