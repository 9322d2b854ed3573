package io.layerd.lcow.scratch;

import io.layerd.lcow.vhd.RawToVhdx;
import io.layerd.lcow.vhd.VhdxFile;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Formats a scratch on the host instead of in a service VM: mke2fs with hcsshim's options on a
 * sparse raw file of the disk's virtual size, converted back into the VHDX. With {@code blank}
 * it leaves the disk empty, for tests about files and sizes rather than file systems (a 20 GB
 * raw conversion would dominate their run time).
 */
final class MkfsScratchFormatter implements ScratchFormatter {
    final AtomicInteger calls = new AtomicInteger();
    private final boolean blank;

    private MkfsScratchFormatter(boolean blank) {
        this.blank = blank;
    }

    static MkfsScratchFormatter ext4() {
        return new MkfsScratchFormatter(false);
    }

    static MkfsScratchFormatter blank() {
        return new MkfsScratchFormatter(true);
    }

    @Override
    public void format(Path vhdx) throws IOException {
        calls.incrementAndGet();
        if (blank) {
            return;
        }
        long size;
        try (VhdxFile f = VhdxFile.open(vhdx, false)) {
            size = f.virtualSize();
        }
        Path raw = vhdx.resolveSibling(vhdx.getFileName() + ".raw");
        try {
            try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                f.setLength(size);
            }
            List<String> command = new ArrayList<>(List.of("mke2fs", "-t", "ext4", "-F", "-q"));
            command.addAll(HCSSHIM_MKFS_OPTIONS);
            command.add(raw.toString());
            Tools.run(command).assertOk();
            RawToVhdx.convert(raw, vhdx, VhdxFile.DEFAULT_BLOCK_SIZE);
        } finally {
            Files.deleteIfExists(raw);
        }
    }
}
