package io.layerd.lcow.scratch;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.fs.Durable;
import io.layerd.core.fs.SparseFileCopy;
import io.layerd.lcow.vhd.VhdxCompaction;
import io.layerd.lcow.vhd.VhdxFile;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The cache of formatted, empty scratch disks a container's {@code sandbox.vhdx} is copied from:
 * one template per size and directory, as containerd's LCOW snapshotter keeps them.
 * <pre>
 *   &lt;dir&gt;/scratch.vhdx                  default size (20 GB)
 *   &lt;dir&gt;/scratch_&lt;N&gt;.vhdx              rootfs.size-gb=N
 *   &lt;dir&gt;/scratch-&lt;rand&gt;-tmp.vhdx       being formatted; garbage when found at start-up
 *   &lt;dir&gt;/scratch-&lt;rand&gt;-compact-tmp.vhdx  being compacted; likewise
 * </pre>
 * {@code <dir>} is the plugin root or the directory of the {@code rootfs.location} label.
 *
 * <p>A template is made once: create a dynamic VHDX with 1 MiB blocks (hcsshim's choice), have
 * the {@link ScratchFormatter} put ext4 on it, drop the blocks formatting only zeroed, sync, and
 * rename it into place. Concurrent requests for one template wait for the first to finish rather
 * than each booting a format. An existing template is used as it is, so a cache seeded by an
 * earlier run or by hand needs no formatter.
 */
public final class ScratchTemplates {
    public static final int DEFAULT_SIZE_GB = 20;
    private static final String TEMP_PREFIX = "scratch-";
    private static final String TEMP_SUFFIX = "-tmp.vhdx";

    private final Path defaultDirectory;
    private final Optional<ScratchFormatter> formatter;
    private final ConcurrentMap<Path, Object> locks = new ConcurrentHashMap<>();

    /** Templates in {@code defaultDirectory} unless a label names another; deletes leftovers of interrupted creations there. */
    public ScratchTemplates(Path defaultDirectory, Optional<ScratchFormatter> formatter) throws IOException {
        this.defaultDirectory = defaultDirectory;
        this.formatter = formatter;
        Files.createDirectories(defaultDirectory);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(defaultDirectory, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Gives {@code target} (a new file) a fresh copy of the template {@code labels} ask for, creating the template first if needed. */
    public void copyTo(String key, ScratchLabels labels, Path target) throws IOException {
        SparseFileCopy.copy(template(key, labels), target);
    }

    /** The template {@code labels} ask for, created if it does not exist yet. */
    public Path template(String key, ScratchLabels labels) throws IOException {
        Path dir = labels.location().orElse(defaultDirectory);
        Path template = dir.resolve(labels.templateName()).toAbsolutePath().normalize();
        if (Files.isRegularFile(template)) {
            return template;
        }
        synchronized (locks.computeIfAbsent(template, t -> new Object())) {
            if (!Files.isRegularFile(template)) {
                create(key, labels, template);
            }
        }
        return template;
    }

    private void create(String key, ScratchLabels labels, Path template) throws IOException {
        ScratchFormatter format = formatter.orElseThrow(() -> LayerdException.failedPrecondition(
                "snapshot \"%s\": no service VM to format a scratch template of %d GB (%s); configure the service VM, "
                        + "or place a formatted template there", key, labels.effectiveSizeGb(), template));
        Path dir = template.getParent();
        Files.createDirectories(dir);
        String rand = UUID.randomUUID().toString();
        Path formatted = dir.resolve(TEMP_PREFIX + rand + TEMP_SUFFIX);
        Path compacted = dir.resolve(TEMP_PREFIX + rand + "-compact" + TEMP_SUFFIX);
        try {
            VhdxFile.create(formatted, labels.sizeBytes(), VhdxFile.DEFAULT_BLOCK_SIZE, UUID.randomUUID()).close();
            try {
                format.format(formatted);
            } catch (IOException e) {
                // Said here because the caller would report it as a failure to create the snapshot directory.
                throw LayerdException.internal("snapshot \"" + key + "\": formatting the scratch template " + template
                        + " failed: " + e.getMessage(), e);
            }
            VhdxCompaction.copyNonZeroBlocks(formatted, compacted);
            try (FileChannel ch = FileChannel.open(compacted, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Durable.rename(compacted, template);
            Durable.syncDirectory(dir);
        } finally {
            Files.deleteIfExists(formatted);
            Files.deleteIfExists(compacted);
        }
    }
}
