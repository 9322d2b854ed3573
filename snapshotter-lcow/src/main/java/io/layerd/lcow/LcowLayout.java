package io.layerd.lcow;

import io.layerd.core.errors.Causes;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.fs.Durable;
import io.layerd.core.io.ProducerInputStream;
import io.layerd.core.metastore.StoredSnapshot;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.SnapshotLayout;
import io.layerd.core.snapshot.SnapshotPaths;
import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.convert.OverlayUpperTar;
import io.layerd.lcow.ext4.Ext4SizeLimitException;
import io.layerd.lcow.scratch.ScratchExport;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchResizer;
import io.layerd.lcow.scratch.ScratchLabels;
import io.layerd.lcow.scratch.ScratchLayout;
import io.layerd.lcow.scratch.ScratchTemplates;

import io.layerd.lcow.vhd.VhdxFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The on-disk form and mounts of containerd's LCOW snapshotter ({@code windows-lcow}).
 *
 * <p>Only active snapshots own a directory. One whose key contains {@code extract} is an unpack
 * target and starts empty ({@code layer.vhd} is written by the differ); any other gets
 * {@code sandbox.vhdx}, the container's scratch: a copy of the cached template for the size its
 * labels ask ({@link ScratchTemplates}), or a symbolic link to the scratch of the snapshot it
 * shares with ({@code reuse-scratch} + {@code owner.key}). A view creates nothing: its mount
 * points at its parents.
 *
 * <p>Mount: one {@code lcow-layer} mount. Active: source = own directory, options {@code rw} and
 * {@code parentLayerPaths=} all parents (immediate first). View: source = the immediate
 * parent's directory, options {@code ro} and the remaining parents. An empty parent list is
 * Go's {@code null}.
 */
public final class LcowLayout implements SnapshotLayout {
    public static final String MOUNT_TYPE = "lcow-layer";
    public static final String SANDBOX = "sandbox.vhdx";
    public static final String LAYER = "layer.vhd";
    private static final long EXT4_MAGIC_OFFSET = 1024 + 0x38;
    private static final short EXT4_MAGIC = (short) 0xEF53;
    /** containerd's {@code snapshots.UnpackKeyPrefix}: a key containing it is an unpack target. */
    public static final String UNPACK_KEY_MARKER = "extract";

    private final ScratchTemplates templates;
    private final Optional<ScratchExporter> exporter;
    private final Optional<ScratchResizer> resizer;
    private final LcowLayerSettings settings;
    /** The owner key of a shared scratch → that scratch's file; set by the snapshotter once it exists. */
    private volatile Function<String, Path> sharedScratches = owner -> {
        throw new IllegalStateException("no snapshotter to look up shared scratches in");
    };

    public LcowLayout(ScratchTemplates templates) {
        this(templates, Optional.empty(), LcowLayerSettings.defaults());
    }

    /** {@code exporter} reads container scratches for Commit; {@code settings} shape the layer.vhd it writes. */
    public LcowLayout(ScratchTemplates templates, Optional<ScratchExporter> exporter, LcowLayerSettings settings) {
        this(templates, exporter, Optional.empty(), settings);
    }

    /** {@code resizer} grows a container's scratch when its size label grows. */
    public LcowLayout(ScratchTemplates templates, Optional<ScratchExporter> exporter, Optional<ScratchResizer> resizer,
                      LcowLayerSettings settings) {
        this.templates = templates;
        this.exporter = exporter;
        this.resizer = resizer;
        this.settings = settings;
    }

    /** Where to find the scratch an {@code owner.key} label means; the snapshotter provides it. */
    void findSharedScratchesWith(Function<String, Path> lookup) {
        this.sharedScratches = lookup;
    }

    static boolean needsScratch(Kind kind, String key) {
        return kind == Kind.ACTIVE && !key.contains(UNPACK_KEY_MARKER);
    }

    @Override
    public boolean keepsDirectory(Kind kind, String key) {
        return kind == Kind.ACTIVE;
    }

    /** Bad scratch labels are refused before anything is written (only where containerd reads them). */
    @Override
    public void checkCreate(Kind kind, String key, String parent, Map<String, String> labels) {
        if (needsScratch(kind, key)) {
            ScratchLabels.of(key, labels);
            ScratchLayout.of(key, labels);
        }
    }

    @Override
    public void populate(Path newDirectory, Kind kind, String key, Map<String, String> labels) throws IOException {
        if (!needsScratch(kind, key)) {
            return;
        }
        ScratchLabels scratch = ScratchLabels.of(key, labels);
        Path sandbox = newDirectory.resolve(SANDBOX);
        if (scratch.ownerKey().isPresent()) {
            Files.createSymbolicLink(sandbox, sharedScratches.apply(scratch.ownerKey().get()));
        } else {
            templates.copyTo(key, scratch, sandbox);
        }
    }

    /**
     * Commit of a container snapshot (not an unpack target, which the differ filled): its scratch
     * becomes a read-only layer, so the committed snapshot is a parent like any unpacked layer —
     * the service VM exports the overlay upper dir, whose whiteouts and opaque dirs become the
     * OCI form and then, in the ext4 writer, overlay whiteouts again. The scratch is discarded once
     * the commit is recorded.
     */
    @Override
    public List<Path> beforeCommit(Path directory, String key, Map<String, String> labels) throws IOException {
        Path sandbox = directory.resolve(SANDBOX);
        if (!needsScratch(Kind.ACTIVE, key) || !Files.exists(sandbox, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        ScratchLayout scratch = ScratchLayout.of(key, labels);
        if (!Files.isSymbolicLink(sandbox) && !hasExt4(sandbox)) {
            // Never formatted, so it cannot hold changes: recorded as containerd's LCOW snapshotter
            // records every commit, without a VM and without touching the directory.
            return List.of();
        }
        if (Files.isSymbolicLink(sandbox) && scratch == ScratchLayout.SINGLE) {
            throw LayerdException.failedPrecondition("snapshot \"%s\" shares another snapshot's scratch; commit needs label %s naming "
                    + "the directory its container used in it", key, ScratchLayout.SUBDIRECTORY_LABEL);
        }
        ScratchExporter export = exporter.orElseThrow(() -> LayerdException.failedPrecondition(
                "snapshot \"%s\": committing a container snapshot reads its scratch through the service VM, and none is "
                        + "configured ([servicevm] in the daemon's configuration)", key));
        // Parents are not attached: a redundant opaque marker in the committed layer hides nothing.
        try (ScratchExport changes = export.open(sandbox, scratch.upperDir(), List.of(), key);
             InputStream layer = new ProducerInputStream("layer of " + key,
                     out -> OverlayUpperTar.toOciLayer(changes.upperTar(), out, null))) {
            LayerVhdWriter.write(layer, directory.resolve(LAYER), settings.writerOptions(), n -> { });
        } catch (IOException e) {
            // The conversion's stages wrap what failed; a status from the VM side (Unavailable when
            // it died) or the size limit is what the caller can act on.
            Optional<LayerdException> status = Causes.find(e, LayerdException.class);
            if (status.isPresent()) {
                throw new LayerdException(status.get().kind(), "snapshot \"" + key + "\": exporting its scratch: "
                        + status.get().getMessage(), e);
            }
            Optional<Ext4SizeLimitException> tooBig = Causes.find(e, Ext4SizeLimitException.class);
            if (tooBig.isPresent()) {
                throw LayerdException.failedPrecondition("snapshot \"%s\": its changes do not fit the instance's max_layer_size: %s",
                        key, tooBig.get().getMessage());
            }
            throw e;
        }
        return List.of(sandbox);
    }

    /** Whether the disk holds an ext4 superblock (magic 0xEF53 at byte 1080), read on the host. */
    private static boolean hasExt4(Path vhdx) throws IOException {
        try (VhdxFile disk = VhdxFile.open(vhdx, false)) {
            ByteBuffer magic = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            disk.read(EXT4_MAGIC_OFFSET, magic);
            return magic.getShort(0) == EXT4_MAGIC;
        }
    }

    /**
     * A container whose size label grows gets a grown scratch (VHDX and ext4), before the label
     * is recorded; a smaller size is refused — ext4 data may live anywhere on the disk. An
     * unchanged or removed label changes nothing.
     */
    @Override
    public void beforeUpdate(SnapshotPaths paths, Path directory, Kind kind, String key, Map<String, String> before,
                             Map<String, String> after) throws IOException {
        String wanted = after.get(ScratchLabels.SIZE_GB);
        if (!needsScratch(kind, key) || wanted == null || wanted.equals(before.get(ScratchLabels.SIZE_GB))) {
            return;
        }
        long size = ScratchLabels.of(key, after).sizeBytes();
        Path sandbox = directory.resolve(SANDBOX);
        if (Files.isSymbolicLink(sandbox)) {
            throw LayerdException.failedPrecondition("snapshot \"%s\" shares the scratch of another container (%s): resize that one",
                    key, Files.readSymbolicLink(sandbox));
        }
        long current;
        try (VhdxFile disk = VhdxFile.open(sandbox, false)) {
            current = disk.virtualSize();
        }
        if (size == current) {
            return;
        }
        if (size < current) {
            throw LayerdException.failedPrecondition("snapshot \"%s\": %s=%s would shrink its scratch from %d GB; shrinking is refused"
                    + " (the file system may use every block) — prepare a new container with the smaller size instead",
                    key, ScratchLabels.SIZE_GB, wanted, current >> 30);
        }
        ScratchResizer grow = resizer.orElseThrow(() -> LayerdException.failedPrecondition(
                "snapshot \"%s\": growing a scratch resizes its ext4 in the service VM, and none is configured ([servicevm])", key));
        Path target = paths.tmp().resolve("grow-" + directory.getFileName() + "-" + System.nanoTime() + ".vhdx");
        try {
            grow.grow(sandbox, target, size, key);
            Durable.rename(target, sandbox);
        } finally {
            Files.deleteIfExists(target); // gone once renamed; a crash leaves it in tmp/, cleared at start-up
        }
    }

    @Override
    public List<Mount> mounts(SnapshotPaths paths, StoredSnapshot s) {
        List<Path> parents = s.parentIds().stream().map(paths::snapshot).toList();
        String access;
        Path source;
        List<Path> layerPaths;
        if (s.kind() == Kind.VIEW && !parents.isEmpty()) {
            access = LayerMountOptions.READ_ONLY;
            source = parents.get(0);
            layerPaths = parents.subList(1, parents.size());
        } else {
            access = s.kind() == Kind.VIEW ? LayerMountOptions.READ_ONLY : LayerMountOptions.READ_WRITE;
            source = paths.snapshot(s.id());
            layerPaths = parents;
        }
        return List.of(new Mount(MOUNT_TYPE, source.toString(),
                List.of(access, LayerMountOptions.parentLayerPaths(layerPaths))));
    }

    /** An LCOW layer is a self-contained ext4 image, so a committed layer may change parent. */
    @Override
    public boolean supportsRebase() {
        return true;
    }
}
