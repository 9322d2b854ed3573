package io.layerd.core.snapshot;

import io.layerd.core.metastore.StoredSnapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What distinguishes one snapshotter type from another on top of the shared metadata and
 * directory lifecycle of {@link DirectorySnapshotter}: which snapshots get a directory, what a
 * new directory holds, and the mount form handed to containerd.
 */
public interface SnapshotLayout {

    /**
     * Whether a snapshot created as {@code kind} (ACTIVE or VIEW) named {@code key} owns a
     * directory on disk. A committed snapshot keeps the directory it had while active.
     */
    boolean keepsDirectory(Kind kind, String key);

    /**
     * Checks a create request before anything is written; throws a LayerdException to refuse
     * it. The default accepts everything the metadata accepts.
     */
    default void checkCreate(Kind kind, String key, String parent, Map<String, String> labels) {
    }

    /**
     * Fills a new snapshot directory while it is still in the temporary area, before it is
     * renamed into place inside the metadata transaction.
     */
    default void populate(Path newDirectory, Kind kind, String key, Map<String, String> labels) throws IOException {
    }

    /**
     * Turns an active snapshot's directory into what its committed form needs, before the commit
     * is recorded (LCOW: a container's scratch into {@code layer.vhd}); a failure leaves the
     * snapshot active. Returns the files the committed snapshot no longer needs: they are left out
     * of its usage and deleted once the commit is recorded. {@code labels}: the active snapshot's
     * labels with the commit's on top.
     */
    default List<Path> beforeCommit(Path directory, String key, Map<String, String> labels) throws IOException {
        return List.of();
    }

    /**
     * Called before an Update of a snapshot that keeps a directory is recorded, with its labels
     * before and after: a layout whose disks follow labels (a scratch's size) changes them here.
     * A failure refuses the Update and nothing is recorded. The default changes nothing.
     */
    default void beforeUpdate(SnapshotPaths paths, Path directory, Kind kind, String key, Map<String, String> before,
                              Map<String, String> after) throws IOException {
    }

    /** The mounts of an active or view snapshot. */
    List<Mount> mounts(SnapshotPaths paths, StoredSnapshot snapshot);

    /**
     * Disk usage of what snapshot {@code id} owns outside its directory (CimFS: its CIM under
     * {@code snapshots/cim-layers}), added to the usage of its directory.
     */
    default Usage usageOutside(SnapshotPaths paths, long id) throws IOException {
        return Usage.ZERO;
    }

    /**
     * Deletes what snapshot {@code id} owns outside its directory, once its removal is recorded.
     * A failure leaves garbage for {@link #removeGarbage}, never a recorded snapshot without files.
     */
    default void deleteOutside(SnapshotPaths paths, long id) throws IOException {
    }

    /**
     * Deletes what the layout keeps under its reserved names for snapshots not in {@code ids}
     * (and what a crash left half-written there); called by Cleanup and at start-up, with the
     * metadata locked so that no snapshot can appear meanwhile.
     */
    default void removeGarbage(SnapshotPaths paths, Set<Long> ids) throws IOException {
    }

    /** Whether a committed snapshot may be moved onto another parent (containerd's "rebase"). */
    default boolean supportsRebase() {
        return false;
    }

    /** Names under {@code snapshots/} that belong to the layout itself and are never garbage. */
    default boolean isReserved(String name) {
        return false;
    }
}
