package io.layerd.lcow;

import io.layerd.core.metastore.StoredSnapshot;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.SnapshotLayout;
import io.layerd.core.snapshot.SnapshotPaths;

import java.nio.file.Path;
import java.util.List;

/**
 * The on-disk form and mounts of containerd's LCOW snapshotter ({@code windows-lcow}).
 *
 * <p>Only active snapshots own a directory: {@code snapshots/<id>/} receives {@code layer.vhd}
 * when it is an extract target and {@code sandbox.vhdx} when it is a container's scratch (both
 * written by later stages). A view creates nothing: its mount points at its parents.
 *
 * <p>Mount: one {@code lcow-layer} mount. Active: source = own directory, options {@code rw} and
 * {@code parentLayerPaths=} all parents (immediate first). View: source = the immediate
 * parent's directory, options {@code ro} and the remaining parents. An empty parent list is
 * Go's {@code null}.
 */
public final class LcowLayout implements SnapshotLayout {
    public static final String MOUNT_TYPE = "lcow-layer";

    @Override
    public boolean keepsDirectory(Kind kind, String key) {
        return kind == Kind.ACTIVE;
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
