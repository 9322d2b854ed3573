package io.layerd.lcow.vhd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Converts a raw disk image into a new dynamic VHDX, keeping it sparse: the image is streamed one payload
 * block at a time and all-zero blocks are not written, so they stay unallocated (holes in the raw file and
 * explicitly zeroed ranges alike).
 *
 * <p>The output appears atomically: the VHDX is written to a temporary file in the destination directory,
 * synced, then renamed over {@code vhdxOut} (replacing an existing file), and the directory is synced.
 * On any failure the temporary file is deleted and {@code vhdxOut} is left as it was.
 */
public final class RawToVhdx {

    /** Outcome of a conversion. */
    public record Result(long virtualSize, int blockSize, long allocatedBytes) {
    }

    private RawToVhdx() {
    }

    /** Converts with a random virtual disk id and random write GUIDs. */
    public static Result convert(Path rawImage, Path vhdxOut, int blockSize) throws IOException {
        return convert(rawImage, vhdxOut, blockSize, UUID.randomUUID(), UUID::randomUUID);
    }

    /**
     * Converts {@code rawImage} into a dynamic VHDX at {@code vhdxOut}.
     *
     * <p>The virtual size is the raw image size rounded up to a whole 512-byte sector (VHDX sizes are whole
     * logical sectors); the padding reads as zeros.
     *
     * @param blockSize payload block size, a power of two from 1 MiB to 256 MiB
     * @param diskId    virtual disk id (Page 83 Data)
     * @param guids     source of the header write GUIDs; fixed values make the output reproducible
     */
    public static Result convert(Path rawImage, Path vhdxOut, int blockSize, UUID diskId, Supplier<UUID> guids)
            throws IOException {
        Objects.requireNonNull(rawImage, "rawImage");
        Objects.requireNonNull(vhdxOut, "vhdxOut");
        if (!VhdxFileParameters.isValidBlockSize(blockSize)) {
            throw new IllegalArgumentException("VHDX block size must be a power of two from 1 MiB to 256 MiB: "
                    + blockSize);
        }
        Path out = vhdxOut.toAbsolutePath();
        Path dir = out.getParent();
        // Same directory as the destination so that the final rename cannot cross file systems.
        Path tmp = dir.resolve("." + out.getFileName() + ".tmp-" + UUID.randomUUID());
        try (FileChannel in = FileChannel.open(rawImage, StandardOpenOption.READ)) {
            long rawSize = in.size();
            if (rawSize == 0) {
                throw new IOException(rawImage + ": raw image is empty; a VHDX needs at least one sector");
            }
            long virtualSize = VhdxFile.roundUp(rawSize, VhdxFile.LOGICAL_SECTOR_SIZE);
            Result result;
            try (VhdxFile vhdx = VhdxFile.create(tmp, virtualSize, blockSize, diskId, guids)) {
                ByteBuffer block = ByteBuffer.allocateDirect(blockSize);
                // Only blocks that overlap data are read: a formatted but empty disk is mostly holes.
                java.util.List<io.layerd.core.fs.DataRegions.Region> data = io.layerd.core.fs.DataRegions.of(rawImage);
                int next = 0;
                for (long offset = 0; offset < rawSize; offset += blockSize) {
                    while (next < data.size() && data.get(next).end() <= offset) {
                        next++;
                    }
                    if (next == data.size()) {
                        break;
                    }
                    if (data.get(next).start() >= offset + blockSize) {
                        offset = data.get(next).start() / blockSize * blockSize - blockSize;
                        continue;
                    }
                    block.clear();
                    readBlock(in, block, offset);
                    block.flip();
                    // write() drops all-zero pieces itself; checking here saves the call per empty block.
                    if (!VhdxFile.isAllZero(block)) {
                        vhdx.write(offset, block);
                    }
                }
                result = new Result(virtualSize, blockSize, vhdx.allocatedBytes());
            } // close() writes the BAT and fsyncs the file before it becomes visible under its name
            moveIntoPlace(tmp, out);
            syncDirectory(dir);
            return result;
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Fills {@code block} from {@code offset}, stopping early only at the end of the image. */
    private static void readBlock(FileChannel in, ByteBuffer block, long offset) throws IOException {
        while (block.hasRemaining()) {
            int n = in.read(block, offset + block.position());
            if (n < 0) {
                return;
            }
        }
    }

    private static void moveIntoPlace(Path tmp, Path out) throws IOException {
        try {
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(out + ": cannot atomically rename the converted VHDX into place", e);
        }
    }

    /** Makes the rename durable; directories cannot be opened for sync on every platform, so best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // e.g. Windows, where a directory cannot be opened as a channel; the rename itself succeeded.
        }
    }
}
