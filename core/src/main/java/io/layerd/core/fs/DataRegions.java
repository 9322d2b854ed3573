package io.layerd.core.fs;

import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a sparse file that hold data, from {@code lseek(SEEK_DATA/SEEK_HOLE)}: a reader of
 * a mostly empty disk image (a freshly formatted 30 GB scratch holds a few MB) then reads only
 * those instead of gigabytes of holes. Where the call is unavailable the whole file is one region.
 */
public final class DataRegions {
    private static final int O_RDONLY = 0;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final boolean NATIVE = Platform.isLinux() && Platform.is64Bit() && LibC.available();

    /** One run of data: {@code [start, end)}. */
    public record Region(long start, long end) {
    }

    private DataRegions() {
    }

    /** The data regions of {@code file}, ascending; conservative (holes may be reported as data, never the reverse). */
    public static List<Region> of(Path file) throws IOException {
        long size = Files.size(file);
        if (!NATIVE || size == 0) {
            return size == 0 ? List.of() : List.of(new Region(0, size));
        }
        int fd = LibC.INSTANCE.open(file.toString(), O_RDONLY);
        if (fd < 0) {
            throw new IOException("open " + file + ": errno " + Native.getLastError());
        }
        try {
            List<Region> regions = new ArrayList<>();
            long at = 0;
            while (at < size) {
                long data = LibC.INSTANCE.lseek(fd, at, SEEK_DATA);
                if (data < 0) {
                    if (Native.getLastError() == ENXIO) {
                        break; // only a hole is left
                    }
                    return List.of(new Region(0, size)); // the file system cannot say: treat all as data
                }
                long hole = LibC.INSTANCE.lseek(fd, data, SEEK_HOLE);
                if (hole < 0) {
                    hole = size;
                }
                regions.add(new Region(data, Math.min(hole, size)));
                at = hole;
            }
            return regions;
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }
}
