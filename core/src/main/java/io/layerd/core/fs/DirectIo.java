package io.layerd.core.fs;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Channels that bypass the page cache ({@code O_DIRECT}) for streaming whole layers.
 *
 * <p>Why: a layer is read once and its image written once, so caching them only costs. In a VM the
 * kernel's copies between page cache and process — into pages the host must often first back —
 * take about a core's worth of time per few hundred MB/s; with direct I/O the device reads into
 * and writes from our own buffers, leaving that core to decompression and hashing.
 *
 * <p>Every direct transfer must start at a file offset, memory address and length that are
 * multiples of the file system's block size; this class only opens a direct channel when that
 * size divides {@link #ALIGNMENT}, so callers align everything to 4 KiB. Where direct I/O is not
 * available (tmpfs on older kernels, odd block sizes) callers get an empty result and use an
 * ordinary channel.
 */
public final class DirectIo {
    /** Offsets, lengths and buffer addresses of direct transfers are multiples of this. */
    public static final int ALIGNMENT = 4096;

    private DirectIo() {
    }

    /** {@code file} opened with {@code O_DIRECT} plus {@code options}, or empty if that is not possible. */
    public static Optional<FileChannel> open(Path file, OpenOption... options) {
        try {
            long blockSize = Files.getFileStore(file).getBlockSize();
            if (blockSize <= 0 || ALIGNMENT % blockSize != 0) {
                return Optional.empty();
            }
            OpenOption[] all = java.util.Arrays.copyOf(options, options.length + 1);
            all[options.length] = ExtendedOpenOption.DIRECT;
            return Optional.of(FileChannel.open(file, all));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** {@code file} opened for reading with {@code O_DIRECT}, or empty. */
    public static Optional<FileChannel> openForReading(Path file) {
        return open(file, StandardOpenOption.READ);
    }

    /** A direct buffer of {@code bytes} (a multiple of {@link #ALIGNMENT}) whose address is aligned. */
    public static ByteBuffer alignedBuffer(int bytes) {
        if (bytes % ALIGNMENT != 0) {
            throw new IllegalArgumentException(bytes + " is not a multiple of " + ALIGNMENT);
        }
        return ByteBuffer.allocateDirect(bytes + ALIGNMENT).alignedSlice(ALIGNMENT).limit(bytes).slice();
    }
}
