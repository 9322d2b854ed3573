package io.layerd.core.metastore;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Kind;
import io.layerd.core.snapshot.Usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The storage functions of the metadata store, each run inside the caller's transaction (see
 * {@link MetaStore#read} and {@link MetaStore#write}). Modelled on containerd's
 * {@code snapshots/storage}: checks happen in the order containerd makes them, so the same bad
 * request fails with the same error.
 */
public final class MetaTransaction {
    private final Connection c;

    MetaTransaction(Connection c) {
        this.c = c;
    }

    /**
     * Creates an active or view snapshot. Order of checks as containerd: a missing parent is
     * NOT_FOUND, a parent that is not committed INVALID_ARGUMENT, an existing key ALREADY_EXISTS.
     */
    public StoredSnapshot create(Kind kind, String key, String parent, Map<String, String> labels) {
        if (kind == Kind.COMMITTED) {
            throw new IllegalArgumentException("committed snapshots are made by commitActive");
        }
        try {
            List<Long> parentIds = List.of();
            Long parentId = null;
            if (!parent.isEmpty()) {
                Row p = committedParent(parent);
                parentId = p.id;
                parentIds = new ArrayList<>();
                parentIds.add(p.id);
                parentIds.addAll(ancestors(p.id));
            }
            if (find(key) != null) {
                throw LayerdException.alreadyExists("snapshot %s: already exists", quote(key));
            }
            long now = nowNanos();
            long id;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO snapshots(key, parent_id, kind, created_ns, updated_ns) VALUES (?, ?, ?, ?, ?)",
                    PreparedStatement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, key);
                setNullableLong(ps, 2, parentId);
                ps.setString(3, kind.text());
                ps.setLong(4, now);
                ps.setLong(5, now);
                ps.executeUpdate();
                try (ResultSet rs = ps.getGeneratedKeys()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            insertLabels(id, labels);
            return new StoredSnapshot(id, kind, parentIds);
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /** The snapshot {@code key} of any kind; NOT_FOUND if absent. */
    public StoredSnapshot get(String key) {
        return lookup(key).orElseThrow(() -> LayerdException.notFound("snapshot %s: not found", quote(key)));
    }

    /** The snapshot {@code key} of any kind, if it exists. */
    public Optional<StoredSnapshot> lookup(String key) {
        try {
            Row r = find(key);
            return r == null ? Optional.empty() : Optional.of(new StoredSnapshot(r.id, r.kind, ancestors(r.id)));
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /**
     * The snapshot {@code key} for mounting: it must be active or a view (FAILED_PRECONDITION
     * for a committed one, as containerd's GetSnapshot).
     */
    public StoredSnapshot getMountable(String key) {
        StoredSnapshot s = get(key);
        if (s.kind() == Kind.COMMITTED) {
            throw LayerdException.failedPrecondition("snapshot %s: is committed, not active or view: only active and view snapshots have mounts", quote(key));
        }
        return s;
    }

    /** Info and recorded usage of snapshot {@code key}; NOT_FOUND if absent. */
    public SnapshotRecord record(String key) {
        try {
            Row r = find(key);
            if (r == null) {
                throw LayerdException.notFound("snapshot %s: not found", quote(key));
            }
            return r.toRecord(parentKey(r.parentId), labels(r.id));
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /**
     * Turns active snapshot {@code key} into committed snapshot {@code name}, keeping its id (so
     * its directory stays where it is). The commit's labels replace the active snapshot's, and
     * created/updated are set to now, as containerd does. Checks in containerd's order: an
     * existing name is ALREADY_EXISTS, a missing key NOT_FOUND, a key that is not active
     * FAILED_PRECONDITION.
     */
    public StoredSnapshot commitActive(String key, String name, Usage usage, Map<String, String> labels,
                                       String rebaseParent) {
        try {
            if (find(name) != null) {
                throw LayerdException.alreadyExists("committed snapshot %s: already exists", quote(name));
            }
            Row r = find(key);
            if (r == null) {
                throw LayerdException.notFound("snapshot %s: not found", quote(key));
            }
            if (r.kind != Kind.ACTIVE) {
                throw LayerdException.failedPrecondition("snapshot %s is not active: only active snapshots can be committed (it is a %s snapshot)",
                        quote(key), r.kind.text());
            }
            Long parentId = r.parentId;
            if (rebaseParent != null && !rebaseParent.isEmpty()) {
                parentId = committedParent(rebaseParent).id;
            }
            long now = nowNanos();
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE snapshots SET key = ?, kind = 'committed', parent_id = ?, created_ns = ?, updated_ns = ?,"
                            + " size = ?, inodes = ? WHERE id = ?")) {
                ps.setString(1, name);
                setNullableLong(ps, 2, parentId);
                ps.setLong(3, now);
                ps.setLong(4, now);
                ps.setLong(5, usage.size());
                ps.setLong(6, usage.inodes());
                ps.setLong(7, r.id);
                ps.executeUpdate();
            }
            deleteLabels(r.id);
            insertLabels(r.id, labels);
            return new StoredSnapshot(r.id, Kind.COMMITTED, ancestors(r.id));
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /**
     * Deletes snapshot {@code key}: NOT_FOUND if absent, FAILED_PRECONDITION if it has children.
     * Returns what was removed so the caller can delete its directory.
     */
    public StoredSnapshot remove(String key) {
        try {
            Row r = find(key);
            if (r == null) {
                throw LayerdException.notFound("snapshot %s: not found", quote(key));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT key FROM snapshots WHERE parent_id = ? LIMIT 1")) {
                ps.setLong(1, r.id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw LayerdException.failedPrecondition(
                                "cannot remove snapshot with child: snapshot %s is the parent of %s; remove the child first",
                                quote(key), quote(rs.getString(1)));
                    }
                }
            }
            List<Long> parents = ancestors(r.id);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM snapshots WHERE id = ?")) {
                ps.setLong(1, r.id);
                ps.executeUpdate();
            }
            return new StoredSnapshot(r.id, r.kind, parents);
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /**
     * Updates the labels of snapshot {@code info.name()} under containerd's field-mask rules and
     * bumps its updated time. Returns the new info.
     */
    public Info update(Info info, List<String> fieldPaths) {
        try {
            Row r = find(info.name());
            if (r == null) {
                throw LayerdException.notFound("snapshot %s: not found", quote(info.name()));
            }
            Map<String, String> updated = Labels.afterUpdate(labels(r.id), info.labels(), fieldPaths, info.name());
            long now = Math.max(nowNanos(), r.updatedNs + 1); // updated must move forward
            try (PreparedStatement ps = c.prepareStatement("UPDATE snapshots SET updated_ns = ? WHERE id = ?")) {
                ps.setLong(1, now);
                ps.setLong(2, r.id);
                ps.executeUpdate();
            }
            deleteLabels(r.id);
            insertLabels(r.id, updated);
            r.updatedNs = now;
            return r.toRecord(parentKey(r.parentId), updated).info();
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /** Every snapshot with its info and usage, ordered by id. */
    public List<SnapshotRecord> all() {
        try {
            Map<Long, Map<String, String>> labels = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT snapshot_id, name, value FROM labels");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    labels.computeIfAbsent(rs.getLong(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getString(3));
                }
            }
            List<SnapshotRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT s.id, s.key, s.parent_id, s.kind, s.created_ns, s.updated_ns, s.size, s.inodes, p.key"
                            + " FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id ORDER BY s.id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Row r = Row.of(rs);
                    String parent = rs.getString(9);
                    out.add(r.toRecord(parent == null ? "" : parent, labels.getOrDefault(r.id, Map.of())));
                }
            }
            return out;
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /** Ids of all snapshots, for finding directories nobody owns. */
    public Set<Long> ids() {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM snapshots");
             ResultSet rs = ps.executeQuery()) {
            Set<Long> ids = new HashSet<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            return ids;
        } catch (SQLException e) {
            throw storeFailure(e);
        }
    }

    /** Ids of the parent chain of {@code id}: immediate parent first, base layer last. */
    private List<Long> ancestors(long id) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                WITH RECURSIVE chain(id, parent_id, depth) AS (
                  SELECT id, parent_id, 0 FROM snapshots WHERE id = ?
                  UNION ALL
                  SELECT s.id, s.parent_id, chain.depth + 1 FROM snapshots s JOIN chain ON s.id = chain.parent_id
                )
                SELECT id FROM chain WHERE depth > 0 ORDER BY depth""")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    /** The row of {@code parent}: NOT_FOUND if absent, INVALID_ARGUMENT if not committed (containerd's codes). */
    private Row committedParent(String parent) throws SQLException {
        Row p = find(parent);
        if (p == null) {
            throw LayerdException.notFound("parent snapshot %s does not exist: not found", quote(parent));
        }
        if (p.kind != Kind.COMMITTED) {
            throw LayerdException.invalidArgument("parent %s is not committed snapshot", quote(parent));
        }
        return p;
    }

    private Row find(String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, key, parent_id, kind, created_ns, updated_ns, size, inodes FROM snapshots WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Row.of(rs) : null;
            }
        }
    }

    private String parentKey(Long parentId) throws SQLException {
        if (parentId == null) {
            return "";
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT key FROM snapshots WHERE id = ?")) {
            ps.setLong(1, parentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    private Map<String, String> labels(long id) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name, value FROM labels WHERE snapshot_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private void insertLabels(long id, Map<String, String> labels) throws SQLException {
        if (labels.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO labels(snapshot_id, name, value) VALUES (?, ?, ?)")) {
            for (Map.Entry<String, String> e : new LinkedHashMap<>(labels).entrySet()) {
                if (e.getValue() == null || e.getValue().isEmpty()) {
                    continue; // containerd does not store empty label values
                }
                ps.setLong(1, id);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void deleteLabels(long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM labels WHERE snapshot_id = ?")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    private static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, java.sql.Types.INTEGER);
        } else {
            ps.setLong(index, value);
        }
    }

    private static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    static String quote(String s) {
        return '"' + s + '"';
    }

    private static LayerdException storeFailure(SQLException e) {
        return LayerdException.internal("metadata store: " + e.getMessage(), e);
    }

    /** One row of the snapshots table. */
    private static final class Row {
        long id;
        String key;
        Long parentId;
        Kind kind;
        long createdNs;
        long updatedNs;
        long size;
        long inodes;

        static Row of(ResultSet rs) throws SQLException {
            Row r = new Row();
            r.id = rs.getLong(1);
            r.key = rs.getString(2);
            long p = rs.getLong(3);
            r.parentId = rs.wasNull() ? null : p;
            r.kind = Kind.fromText(rs.getString(4));
            r.createdNs = rs.getLong(5);
            r.updatedNs = rs.getLong(6);
            r.size = rs.getLong(7);
            r.inodes = rs.getLong(8);
            return r;
        }

        SnapshotRecord toRecord(String parentKey, Map<String, String> labels) {
            Info info = new Info(key, parentKey, kind, instant(createdNs), instant(updatedNs), labels);
            return new SnapshotRecord(id, info, new Usage(size, inodes));
        }
    }
}
