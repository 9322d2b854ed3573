package io.layerd.cimfs;

import io.layerd.cimfs.image.CimFiles;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.fs.Durable;
import io.layerd.core.metastore.StoredSnapshot;
import io.layerd.core.mount.GoJson;
import io.layerd.core.mount.LayerMountOptions;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Mount;
import io.layerd.core.snapshot.SnapshotLayout;
import io.layerd.core.snapshot.SnapshotPaths;
import io.layerd.core.snapshot.Usage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The on-disk form and mounts of containerd's {@code cimfs} snapshotter (2.1+ mount form).
 *
 * <p>Each snapshot owns {@code snapshots/<id>/} (hives, layout marker, scratch) and, once a layer
 * is applied, the CIM {@code snapshots/cim-layers/<id>.cim} with its region and objectid files.
 * {@code cim-layers} is therefore not a snapshot directory and never garbage; what lies in it for
 * no recorded snapshot is. Extract snapshots (keys containing "extract") get a directory only;
 * other active snapshots are containers: they need a parent and get {@code sandbox.vhdx}. Only
 * extract snapshots can be committed, as in containerd.
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
    public static final String SANDBOX = "sandbox.vhdx";
    public static final String SIZE_BYTES_LABEL = "containerd.io/snapshot/windows/rootfs.sizebytes";
    public static final String SIZE_GB_LABEL = "containerd.io/snapshot/io.microsoft.container.storage.rootfs.size-gb";
    /** containerd's blank scratch is 10 GB; size labels only make it larger. */
    public static final long DEFAULT_SCRATCH_BYTES = 10L << 30;

    /** Writers of CIMs (imports) share this lock; garbage collection of cim-layers takes it alone. */
    private final ReadWriteLock cimLayers = new ReentrantReadWriteLock();
    private final Optional<CimfsScratchProvider> scratch;

    public CimfsLayout(Optional<CimfsScratchProvider> scratch) {
        this.scratch = scratch;
    }

    ReadWriteLock cimLayersLock() {
        return cimLayers;
    }

    static boolean isExtract(String key) {
        return key.contains("extract");
    }

    @Override
    public boolean keepsDirectory(Kind kind, String key) {
        return true;
    }

    @Override
    public void checkCreate(Kind kind, String key, String parent, Map<String, String> labels) {
        if (!isExtract(key) && (parent == null || parent.isEmpty())) {
            throw LayerdException.invalidArgument("snapshot \"%s\": scratch snapshot without any parents isn't supported "
                    + "(a container's snapshot needs a committed layer below it; keys with \"extract\" are for unpacking)", key);
        }
        scratchBytes(key, labels);
    }

    @Override
    public void populate(Path newDirectory, Kind kind, String key, Map<String, String> labels) throws IOException {
        if (kind != Kind.ACTIVE || isExtract(key)) {
            return;
        }
        CimfsScratchProvider provider = scratch.orElseThrow(() -> LayerdException.failedPrecondition(
                "snapshot \"%s\": this cimfs instance cannot make scratch disks (no scratch provider)", key));
        provider.create(newDirectory.resolve(SANDBOX), scratchBytes(key, labels));
    }

    /** The scratch size the labels ask for: sizebytes wins over size-gb; never below the default. */
    static long scratchBytes(String key, Map<String, String> labels) {
        long bytes = DEFAULT_SCRATCH_BYTES;
        String b = labels == null ? null : labels.get(SIZE_BYTES_LABEL);
        String gb = labels == null ? null : labels.get(SIZE_GB_LABEL);
        try {
            if (b != null) {
                bytes = Math.max(bytes, Long.parseLong(b.trim()));
            } else if (gb != null) {
                bytes = Math.max(bytes, Math.multiplyExact(Long.parseLong(gb.trim()), 1L << 30));
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw LayerdException.invalidArgument("snapshot \"%s\": size label %s is not a number of %s", key,
                    b != null ? SIZE_BYTES_LABEL + "=" + b : SIZE_GB_LABEL + "=" + gb, b != null ? "bytes" : "GB");
        }
        return bytes;
    }

    @Override
    public List<Path> beforeCommit(Path directory, String key, Map<String, String> labels) {
        if (!isExtract(key)) {
            throw LayerdException.failedPrecondition("snapshot \"%s\": committing a scratch snapshot to read-only cim layer "
                    + "isn't supported yet (only extract snapshots, which receive a layer by Apply, can be committed)", key);
        }
        return List.of();
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

    @Override
    public Usage usageOutside(SnapshotPaths paths, long id) throws IOException {
        Path cim = cimPath(paths, id);
        if (!Files.exists(cim)) {
            return Usage.ZERO;
        }
        return CimFiles.usage(cim);
    }

    @Override
    public void deleteOutside(SnapshotPaths paths, long id) throws IOException {
        cimLayers.writeLock().lock();
        try {
            CimFiles.destroy(cimPath(paths, id));
        } finally {
            cimLayers.writeLock().unlock();
        }
    }

    @Override
    public void removeGarbage(SnapshotPaths paths, Set<Long> ids) throws IOException {
        Path dir = paths.snapshots().resolve(CIM_LAYERS);
        if (!Files.isDirectory(dir)) {
            return;
        }
        // Cleanup runs with the metadata locked: it must not wait for a long import, which holds the
        // read lock; what it cannot collect now it collects next time.
        if (!cimLayers.writeLock().tryLock()) {
            return;
        }
        try {
            try (DirectoryStream<Path> cims = Files.newDirectoryStream(dir, "*.cim")) {
                for (Path cim : cims) {
                    String name = cim.getFileName().toString();
                    if (!isOwnedBy(name, ids)) {
                        Files.delete(cim); // its region files become orphans, deleted next
                    }
                }
            }
            for (Path orphan : CimFiles.orphans(dir)) {
                Files.deleteIfExists(orphan);
            }
            Durable.syncDirectory(dir);
        } finally {
            cimLayers.writeLock().unlock();
        }
    }

    private static boolean isOwnedBy(String cimName, Set<Long> ids) {
        try {
            return ids.contains(Long.parseLong(cimName.substring(0, cimName.length() - ".cim".length())));
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
