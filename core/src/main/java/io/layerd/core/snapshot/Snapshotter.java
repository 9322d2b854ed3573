package io.layerd.core.snapshot;

import io.layerd.core.filter.Filter;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A snapshotter manages the filesystem layers of containers, with containerd's semantics.
 *
 * <p>Vocabulary: a <em>key</em> names an active or view snapshot; a <em>name</em> names a
 * committed one; keys and names share one space. A <em>parent</em> is always a committed
 * snapshot ("" for none). Lifecycle: {@code Prepare(key, parent)} creates a writable active
 * snapshot; {@code Commit(name, key)} turns it into the committed snapshot {@code name} (the key
 * goes away); {@code View(key, parent)} creates a read-only snapshot that can never be
 * committed; {@code Remove} deletes any kind that has no children.
 *
 * <p>Errors are {@link io.layerd.core.errors.LayerdException}s whose kind follows containerd:
 * an existing key or name is ALREADY_EXISTS; an unknown key or parent is NOT_FOUND; a parent
 * that is not committed is INVALID_ARGUMENT; committing a view or committed snapshot, asking
 * mounts of a committed one, and removing one with children are FAILED_PRECONDITION.
 *
 * <p>Example, unpacking one layer and starting a container on it:
 * <pre>
 *   prepare("extract-1 sha256:c1", "")      → mounts to apply the layer onto
 *   commit("sha256:c1", "extract-1 sha256:c1")
 *   prepare("container-1", "sha256:c1")     → writable mounts for the container
 * </pre>
 * Implementations are safe for concurrent use.
 */
public interface Snapshotter extends AutoCloseable {

    /** Creates an active snapshot {@code key} on {@code parent}; returns its mounts. */
    List<Mount> prepare(String key, String parent, Map<String, String> labels);

    /** Creates a read-only view {@code key} of {@code parent}; returns its mounts. */
    List<Mount> view(String key, String parent, Map<String, String> labels);

    /** Mounts of an existing active or view snapshot. */
    List<Mount> mounts(String key);

    /**
     * Commits active snapshot {@code key} as {@code name}, replacing its labels by
     * {@code labels}. A non-empty {@code rebaseParent} (containerd 2.2's "rebase" capability)
     * moves the committed snapshot onto that parent; snapshotters that cannot answer
     * FAILED_PRECONDITION.
     */
    void commit(String name, String key, Map<String, String> labels, String rebaseParent);

    /** Removes a snapshot of any kind that has no children. */
    void remove(String key);

    /** Information about a snapshot of any kind. */
    Info stat(String key);

    /**
     * Updates the mutable fields (labels) of snapshot {@code info.name()}. {@code fieldPaths}
     * may name {@code labels} (replace all) or {@code labels.<key>} (set or, with an empty
     * value, remove one); empty means replace all labels; any other path is INVALID_ARGUMENT.
     */
    Info update(Info info, List<String> fieldPaths);

    /** Calls {@code visitor} for every snapshot that matches {@code filter}. */
    void walk(Filter filter, Consumer<Info> visitor);

    /** Resources used by the snapshot itself; live for active snapshots, recorded at commit otherwise. */
    Usage usage(String key);

    /** Releases resources; calling it twice is harmless. */
    @Override
    void close();
}
