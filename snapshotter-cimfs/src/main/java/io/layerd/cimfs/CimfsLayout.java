package io.layerd.cimfs;

import io.layerd.core.metastore.StoredSnapshot;
import io.layerd.core.mount.GoJson;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.SnapshotLayout;
import io.layerd.core.snapshot.SnapshotPaths;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-disk form and mounts of containerd's {@code cimfs} snapshotter (2.1+ mount form).
 *
 * <p>Each snapshot owns {@code snapshots/<id>/} (hives, layout marker, scratch) and, once
 * committed, the CIM {@code snapshots/cim-layers/<id>.cim} with its region and objectid files.
 * {@code cim-layers} is therefore not a snapshot directory and never garbage.
 *
 * <p>Mount: one {@code CimFS} mount, source = own directory, options {@code rw|ro},
 * {@code cimpath=} the snapshot's CIM, and with parents {@code parentLayerPaths=} and
 * {@code parentCimPaths=} (topmost first).
 */
public final class CimfsLayout implements SnapshotLayout {
    public static final String MOUNT_TYPE = "CimFS";
    public static final String CIM_LAYERS = "cim-layers";
    public static final String CIM_PATH = "cimpath=";
    public static final String PARENT_CIM_PATHS = "parentCimPaths=";

    @Override
    public boolean keepsDirectory(Kind kind, String key) {
        return true;
    }

    @Override
    public List<Mount> mounts(SnapshotPaths paths, StoredSnapshot s) {
        List<String> options = new ArrayList<>();
        options.add(s.kind() == Kind.VIEW ? LayerMountOptions.READ_ONLY : LayerMountOptions.READ_WRITE);
        options.add(CIM_PATH + cimPath(paths, s.id()));
        if (!s.parentIds().isEmpty()) {
            options.add(LayerMountOptions.parentLayerPaths(s.parentIds().stream().map(paths::snapshot).toList()));
            options.add(PARENT_CIM_PATHS + GoJson.stringArray(
                    s.parentIds().stream().map(id -> cimPath(paths, id).toString()).toList()));
        }
        return List.of(new Mount(MOUNT_TYPE, paths.snapshot(s.id()).toString(), options));
    }

    public static Path cimPath(SnapshotPaths paths, long id) {
        return paths.snapshots().resolve(CIM_LAYERS).resolve(id + ".cim");
    }

    @Override
    public boolean isReserved(String name) {
        return name.equals(CIM_LAYERS);
    }
}
