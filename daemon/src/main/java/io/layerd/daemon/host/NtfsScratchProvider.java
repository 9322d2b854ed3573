package io.layerd.daemon.host;

import io.layerd.cimfs.CimfsScratchProvider;
import io.layerd.core.fs.Durable;
import io.layerd.core.fs.SparseFileCopy;
import io.layerd.lcow.vhd.RawToVhdx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * cimfs containers' scratch disks, as containerd's cimfs snapshotter makes them: a copy of a blank
 * NTFS-formatted dynamic VHDX (1 MiB blocks). One blank template per size is formatted once with
 * {@code mkntfs} (quick format of a sparse raw image, then converted to VHDX keeping its holes) and
 * kept in {@code templates}; each scratch is a sparse copy of it, which takes milliseconds.
 */
public final class NtfsScratchProvider implements CimfsScratchProvider {
    private static final int BLOCK_SIZE = 1 << 20;
    private final Path templates;
    private final ConcurrentHashMap<Long, Object> locks = new ConcurrentHashMap<>();

    public NtfsScratchProvider(Path templates) {
        this.templates = templates;
    }

    /**
     * Sizes are rounded up to whole GiB, so that size labels of every byte count do not each leave a
     * template behind.
     */
    @Override
    public void create(Path sandbox, long bytes) throws IOException {
        SparseFileCopy.copy(template((bytes + (1L << 30) - 1) / (1L << 30) << 30), sandbox);
    }

    /** The blank template of {@code bytes}, formatted on first use. */
    Path template(long bytes) throws IOException {
        Path template = templates.resolve("blank-" + bytes + ".vhdx");
        synchronized (locks.computeIfAbsent(bytes, b -> new Object())) {
            if (Files.exists(template)) {
                return template;
            }
            Files.createDirectories(templates);
            Path raw = templates.resolve(".blank-" + bytes + ".raw.tmp");
            Path vhdx = templates.resolve(".blank-" + bytes + ".vhdx.tmp");
            try {
                try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                    f.setLength(bytes);
                }
                format(raw);
                RawToVhdx.convert(raw, vhdx, BLOCK_SIZE);
                Durable.rename(vhdx, template);
                Durable.syncDirectory(templates);
            } finally {
                Files.deleteIfExists(raw);
                Files.deleteIfExists(vhdx);
            }
            return template;
        }
    }

    private static void format(Path raw) throws IOException {
        List<String> command = List.of("mkntfs", "--force", "--quick", "--quiet", "--label", "Sandbox", raw.toString());
        Path log = raw.resolveSibling(raw.getFileName() + ".log");
        Process p;
        try {
            // Output to a file, not a pipe: reading a pipe would block past the timeout if mkntfs hung.
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IOException("cannot format a cimfs scratch disk: mkntfs (Debian package ntfs-3g) is not installed", e);
        }
        try {
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String output = Files.exists(log) ? Files.readString(log) : "";
            Files.deleteIfExists(log);
            if (!done || p.exitValue() != 0) {
                throw new IOException("mkntfs failed formatting a cimfs scratch disk" + (done ? ": " : " within 120 s: ") + output.strip());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while formatting a cimfs scratch disk", e);
        }
    }
}
