package io.layerd.core.fs;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import io.layerd.core.snapshot.Usage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Disk usage of a directory tree the way containerd's {@code fs.DiskUsage} counts it: bytes
 * really allocated (so a sparse scratch disk costs what it holds, not its nominal size) and the
 * number of distinct inodes, each hard-linked inode counted once.
 *
 * <p>The JDK exposes no allocated-block count, so on Linux this reads {@code st_blocks} with
 * {@code lstat(2)} through JNA; elsewhere it falls back to sizes rounded up to 4 KiB blocks.
 */
public final class DiskUsage {
    private static final int STAT_BUFFER = 256;
    /** {@code st_blocks} sits at byte 64 of {@code struct stat} on both x86_64 and aarch64 Linux. */
    private static final int ST_BLOCKS_OFFSET = 64;
    private static final boolean NATIVE = Platform.isLinux() && Platform.is64Bit()
            && (Platform.isIntel() || Platform.isARM()) && LibC.available();

    private DiskUsage() {
    }

    public static Usage of(Path root) throws IOException {
        if (!Files.exists(root)) {
            return Usage.ZERO;
        }
        long[] size = {0};
        Set<Object> inodes = new HashSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                count(dir, attrs);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                count(file, attrs);
                return FileVisitResult.CONTINUE;
            }

            private void count(Path p, BasicFileAttributes attrs) throws IOException {
                Object identity = attrs.fileKey() != null ? attrs.fileKey() : p;
                if (inodes.add(identity)) {
                    size[0] += allocated(p, attrs);
                }
            }
        });
        return new Usage(size[0], inodes.size());
    }

    private static long allocated(Path p, BasicFileAttributes attrs) throws IOException {
        if (NATIVE) {
            byte[] buf = new byte[STAT_BUFFER];
            if (LibC.INSTANCE.lstat(p.toString(), buf) == 0) {
                return ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder()).getLong(ST_BLOCKS_OFFSET) * 512L;
            }
            throw new IOException("lstat " + p + ": errno " + Native.getLastError());
        }
        return (attrs.size() + 4095) / 4096 * 4096;
    }
}
