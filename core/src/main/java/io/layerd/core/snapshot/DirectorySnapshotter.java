package io.layerd.core.snapshot;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.filter.Filter;
import io.layerd.core.fs.DiskUsage;
import io.layerd.core.fs.Durable;
import io.layerd.core.metastore.Labels;
import io.layerd.core.metastore.MetaStore;
import io.layerd.core.metastore.SnapshotRecord;
import io.layerd.core.metastore.StoredSnapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A snapshotter whose snapshots are rows in a {@link MetaStore} plus one directory each, with
 * the type-specific parts delegated to a {@link SnapshotLayout}.
 *
 * <p>Crash safety follows containerd's own snapshotters. A new directory is built under
 * {@code tmp/} and renamed to {@code snapshots/<id>} inside the write transaction that records
 * it, so a crash leaves either both or an orphan directory that {@link #cleanup()} removes.
 * Removal renames the directory to {@code snapshots/rm-<id>} inside the transaction that forgets
 * the snapshot and deletes it afterwards. At start-up {@code tmp/*} is deleted, and so is every
 * {@code rm-<id>} whose snapshot is gone; one whose snapshot is still recorded belongs to a removal
 * whose transaction never committed and is renamed back.
 */
public class DirectorySnapshotter implements Snapshotter, Cleaner {
    private final SnapshotPaths paths;
    private final SnapshotLayout layout;
    private final MetaStore store;

    protected DirectorySnapshotter(Path root, SnapshotLayout layout) {
        this.paths = new SnapshotPaths(root);
        this.layout = layout;
        try {
            Files.createDirectories(paths.snapshots());
            Files.createDirectories(paths.tmp());
        } catch (IOException e) {
            throw LayerdException.internal("snapshotter root " + root + ": cannot prepare: " + e.getMessage(), e);
        }
        this.store = MetaStore.open(paths.metadata());
        try {
            removeLeftovers();
        } catch (IOException e) {
            store.close();
            throw LayerdException.internal("snapshotter root " + root + ": cannot prepare: " + e.getMessage(), e);
        }
    }

    public SnapshotPaths paths() {
        return paths;
    }

    /** The metadata store, for administration views that need internal ids. */
    public MetaStore store() {
        return store;
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return create(Kind.ACTIVE, key, parent, labels);
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        return create(Kind.VIEW, key, parent, labels);
    }

    private List<Mount> create(Kind kind, String key, String parent, Map<String, String> labels) {
        requireKey("key", key);
        Labels.validate(labels);
        layout.checkCreate(kind, key, parent, labels);
        Path staged = null;
        Path[] placed = new Path[1];
        try {
            if (layout.keepsDirectory(kind, key)) {
                staged = Files.createTempDirectory(paths.tmp(), "new-");
                layout.populate(staged, kind, key, labels);
            }
            Path source = staged;
            return store.write(tx -> {
                StoredSnapshot created = tx.create(kind, key, parent, labels);
                List<Mount> mounts = layout.mounts(paths, created);
                if (source != null) {
                    Path dir = paths.snapshot(created.id());
                    // An id can be handed out again after a crashed, uncommitted transaction;
                    // a directory already there is that transaction's orphan.
                    Durable.deleteTree(dir);
                    Durable.rename(source, dir);
                    placed[0] = dir;
                    Durable.syncDirectory(paths.snapshots());
                }
                return mounts;
            });
        } catch (IOException e) {
            deleteQuietly(placed[0]);
            throw new UncheckedIOException("snapshot \"" + key + "\": cannot create directory: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (placed[0] != null) {
                deleteQuietly(placed[0]); // the transaction rolled back: the directory is nobody's
            }
            throw e;
        } finally {
            if (staged != null) {
                deleteQuietly(staged); // no-op once it was renamed into place
            }
        }
    }

    @Override
    public List<Mount> mounts(String key) {
        StoredSnapshot s = store.read(tx -> tx.getMountable(key));
        return layout.mounts(paths, s);
    }

    private final Object[] commitStripes = newStripes(64);

    private static Object[] newStripes(int n) {
        Object[] stripes = new Object[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new Object();
        }
        return stripes;
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels, String rebaseParent) {
        requireKey("name", name);
        requireKey("key", key);
        Labels.validate(labels);
        if (rebaseParent != null && !rebaseParent.isEmpty() && !layout.supportsRebase()) {
            throw LayerdException.failedPrecondition(
                    "snapshot \"%s\": commit onto another parent (rebase) is not supported by this snapshotter", key);
        }
        // Commits of one key run one at a time: the layout's conversion writes into the
        // snapshot's directory, and concurrent callers of the same key would collide there.
        synchronized (commitStripes[Math.floorMod(key.hashCode(), commitStripes.length)]) {
            // Convert and measure outside the write lock: a layer directory can be large. The
            // transaction below re-checks everything, so a racing Remove cannot commit a stale snapshot.
            // One read: the snapshot's id and kind, and the labels its layout may need.
            Optional<SnapshotRecord> active = store.read(tx -> tx.lookup(key)
                    .filter(x -> x.kind() == Kind.ACTIVE && layout.keepsDirectory(Kind.ACTIVE, key))
                    .map(x -> tx.record(key)));
            Usage usage = Usage.ZERO;
            List<Path> discarded = List.of();
            if (active.isPresent()) {
                Path dir = paths.snapshot(active.get().id());
                Map<String, String> allLabels = new HashMap<>(active.get().info().labels());
                allLabels.putAll(labels == null ? Map.of() : labels);
                try {
                    discarded = layout.beforeCommit(dir, key, allLabels);
                    usage = measure(dir).plus(layout.usageOutside(paths, active.get().id()));
                    for (Path p : discarded) {
                        Usage gone = measure(p);
                        usage = new Usage(usage.size() - gone.size(), usage.inodes() - gone.inodes());
                    }
                } catch (IOException | UncheckedIOException e) {
                    // A Remove racing this commit takes the directory away: say what the metadata says.
                    // Remove renames the directory inside its write transaction, and reads do not
                    // wait for writers, so ask in a write transaction: it sees that Remove finished.
                    long id = active.get().id();
                    if (store.write(tx -> tx.lookup(key)).filter(x -> x.kind() == Kind.ACTIVE && x.id() == id).isEmpty()) {
                        throw LayerdException.notFound("snapshot \"%s\": removed while being committed", key);
                    }
                    throw e instanceof UncheckedIOException u ? u
                            : new UncheckedIOException("snapshot \"" + key + "\": preparing the commit: " + e.getMessage(), (IOException) e);
                }
            }
            Usage recorded = usage;
            store.write(tx -> tx.commitActive(key, name, recorded, labels, rebaseParent));
            for (Path p : discarded) {
                deleteQuietly(p);
            }
        }
    }

    @Override
    public void remove(String key) {
        requireKey("key", key);
        Path[] renamed = new Path[2];
        long[] removedId = new long[1];
        try {
            store.write(tx -> {
                StoredSnapshot removed = tx.remove(key);
                removedId[0] = removed.id();
                Path dir = paths.snapshot(removed.id());
                if (Files.exists(dir)) {
                    Path target = paths.removing(removed.id());
                    Durable.rename(dir, target);
                    renamed[0] = dir;
                    renamed[1] = target;
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (renamed[1] != null) {
                try {
                    Durable.rename(renamed[1], renamed[0]); // the snapshot is still recorded: give its directory back
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        }
        if (renamed[1] != null) {
            try {
                Durable.deleteTree(renamed[1]);
            } catch (IOException e) {
                // The snapshot is gone from the metadata; what is left on disk is an rm-*
                // directory that start-up and Cleanup delete. Not worth failing the call.
            }
            try {
                layout.deleteOutside(paths, removedId[0]);
            } catch (IOException e) {
                // Likewise: what is left belongs to no snapshot and is garbage for Cleanup.
            }
        }
    }

    @Override
    public Info stat(String key) {
        return store.read(tx -> tx.record(key)).info();
    }

    @Override
    public Info update(Info info, List<String> fieldPaths) {
        requireKey("name", info.name());
        Labels.validate(info.labels());
        String key = info.name();
        // The same lock as commit: a resize must not run while the scratch is being exported.
        synchronized (commitStripes[Math.floorMod(key.hashCode(), commitStripes.length)]) {
            SnapshotRecord r = store.read(tx -> tx.record(key));
            if (ownsDirectory(r.info().kind(), key)) {
                Map<String, String> after = Labels.afterUpdate(r.info().labels(), info.labels(), fieldPaths, key);
                try {
                    layout.beforeUpdate(paths, paths.snapshot(r.id()), r.info().kind(), key, r.info().labels(), after);
                } catch (IOException e) {
                    throw new UncheckedIOException("snapshot \"" + key + "\": cannot apply the new labels: " + e.getMessage(), e);
                }
            }
            return store.write(tx -> tx.update(info, fieldPaths));
        }
    }

    @Override
    public void walk(Filter filter, Consumer<Info> visitor) {
        // Materialise first: the visitor may call back into the snapshotter (Stat in Walk),
        // which must not wait for the connection this read holds.
        List<SnapshotRecord> all = store.read(tx -> tx.all());
        for (SnapshotRecord r : all) {
            if (filter.matches(SnapshotFields.of(r.info()))) {
                visitor.accept(r.info());
            }
        }
    }

    /** Every stored snapshot with its internal id, for administration. */
    public List<SnapshotRecord> records() {
        return store.read(tx -> tx.all());
    }

    /** The directory of a snapshot record, or empty when its kind keeps none. */
    public Optional<Path> directoryOf(SnapshotRecord r) {
        return ownsDirectory(r.info().kind(), r.info().name()) ? Optional.of(paths.snapshot(r.id())) : Optional.empty();
    }

    /** A committed snapshot keeps the directory it had while it was active. */
    private boolean ownsDirectory(Kind kind, String key) {
        return layout.keepsDirectory(kind == Kind.COMMITTED ? Kind.ACTIVE : kind, key);
    }

    @Override
    public Usage usage(String key) {
        SnapshotRecord r = store.read(tx -> tx.record(key));
        if (r.info().kind() == Kind.ACTIVE && layout.keepsDirectory(Kind.ACTIVE, key)) {
            try {
                return measure(paths.snapshot(r.id())).plus(layout.usageOutside(paths, r.id()));
            } catch (IOException e) {
                throw new UncheckedIOException("usage of " + key + ": " + e.getMessage(), e);
            }
        }
        return r.usage();
    }

    @Override
    public void cleanup() {
        List<Path> garbage = new ArrayList<>();
        // Under the write lock no snapshot directory can appear, so the id set and the listing
        // agree: whatever has no id now is garbage.
        store.write(tx -> {
            Set<Long> ids = tx.ids();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(paths.snapshots())) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    if (layout.isReserved(name) || isKnownId(name, ids)) {
                        continue;
                    }
                    Path doomed = Files.createTempDirectory(paths.tmp(), "cleanup-");
                    Durable.rename(p, doomed.resolve(name));
                    garbage.add(doomed);
                }
            }
            layout.removeGarbage(paths, ids);
            return null;
        });
        for (Path p : garbage) {
            try {
                Durable.deleteTree(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cleanup: cannot delete " + p + ": " + e.getMessage(), e);
            }
        }
    }

    private static boolean isKnownId(String name, Set<Long> ids) {
        try {
            return ids.contains(Long.parseLong(name));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(paths.tmp())) {
            for (Path p : entries) {
                Durable.deleteTree(p);
            }
        }
        // Remove renames the directory before its transaction commits: a process killed in
        // between leaves rm-<id> while the snapshot is still recorded. That removal never
        // happened, so the directory goes back; only the rest is garbage.
        Set<Long> recorded = new java.util.HashSet<>();
        for (SnapshotRecord r : records()) {
            recorded.add(r.id());
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(paths.snapshots(),
                SnapshotPaths.REMOVING_PREFIX + "*")) {
            for (Path p : entries) {
                Long id = removedId(p);
                if (id != null && recorded.contains(id) && !Files.exists(paths.snapshot(id))) {
                    Durable.rename(p, paths.snapshot(id));
                } else {
                    Durable.deleteTree(p);
                }
            }
        }
        Durable.syncDirectory(paths.snapshots());
        Set<Long> ids = new java.util.HashSet<>(recorded);
        layout.removeGarbage(paths, ids);
    }

    private static Long removedId(Path removing) {
        try {
            return Long.parseLong(removing.getFileName().toString().substring(SnapshotPaths.REMOVING_PREFIX.length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Usage measure(Path dir) {
        try {
            return DiskUsage.of(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("usage of " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void requireKey(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw LayerdException.invalidArgument("snapshot %s must not be empty", what);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Durable.deleteTree(p);
        } catch (IOException ignored) {
            // a leftover in tmp/ is deleted at the next start-up
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
