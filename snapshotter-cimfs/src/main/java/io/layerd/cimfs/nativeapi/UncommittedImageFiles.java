package io.layerd.cimfs.nativeapi;

import io.layerd.cimfs.format.CimFormatException;
import io.layerd.cimfs.format.RegionSet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what an image that was closed without a commit may have left in its directory.
 * CimFS documents that such an image is not written; whether the DLL ever leaves a partial
 * {@code <name>.cim} behind is not established, so this is a safety net. Only files provably
 * belonging to this image are touched: the {@code .cim} by its name, and the region and objectid
 * files of the region set that {@code .cim} names as its own (offset 32, the same in format 2 and
 * 3 headers). Region files written without a {@code .cim} cannot be attributed — other images
 * may be written into the same directory at the same time — and are left alone.
 */
final class UncommittedImageFiles {
    private static final byte[] MAGIC = "cimfile0".getBytes(StandardCharsets.US_ASCII);
    /** Common header (32) + the image's own region set (24). */
    private static final int HEADER_PREFIX = 32 + RegionSet.SIZE;

    private UncommittedImageFiles() {
    }

    /** Deletes {@code dir/name} and its own region/objectid files; returns what was deleted. */
    static List<Path> delete(Path dir, String name) throws IOException {
        Path cim = dir.resolve(name);
        List<Path> deleted = new ArrayList<>();
        if (!Files.exists(cim)) {
            return deleted;
        }
        RegionSet own = ownRegions(cim);
        if (own != null) {
            for (int i = 0; i < own.count(); i++) {
                for (String file : new String[] {own.regionFile(i), own.objectIdFile(i)}) {
                    if (Files.deleteIfExists(dir.resolve(file))) {
                        deleted.add(dir.resolve(file));
                    }
                }
            }
        }
        Files.delete(cim);
        deleted.add(cim);
        return deleted;
    }

    /** The region set a {@code .cim} names as its own, or null if the file is too short or not a CIM. */
    private static RegionSet ownRegions(Path cim) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_PREFIX);
        try (FileChannel ch = FileChannel.open(cim, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b) > 0) {
                // read the prefix
            }
        }
        if (b.hasRemaining()) {
            return null;
        }
        b.flip();
        for (byte m : MAGIC) {
            if (b.get() != m) {
                return null;
            }
        }
        try {
            return RegionSet.read(b.position(32));
        } catch (CimFormatException | IllegalArgumentException e) {
            return null;
        }
    }
}
