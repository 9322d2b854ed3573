package io.layerd.lcow;

import io.layerd.core.metastore.StoredSnapshot;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.SnapshotLayout;
import io.layerd.core.snapshot.SnapshotPaths;
import io.layerd.lcow.scratch.ScratchLabels;
import io.layerd.lcow.scratch.ScratchTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
    /** containerd's {@code snapshots.UnpackKeyPrefix}: a key containing it is an unpack target. */
    public static final String UNPACK_KEY_MARKER = "extract";

    private final ScratchTemplates templates;
    /** The owner key of a shared scratch → that scratch's file; set by the snapshotter once it exists. */
    private volatile Function<String, Path> sharedScratches = owner -> {
        throw new IllegalStateException("no snapshotter to look up shared scratches in");
    };

    public LcowLayout(ScratchTemplates templates) {
        this.templates = templates;
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
