package io.layerd.core.snapshot;

import java.nio.file.Path;

/**
 * Where a snapshotter root keeps things:
 * <pre>
 *   root/metadata.db          SQLite metadata (WAL)
 *   root/snapshots/&lt;id&gt;/     one directory per snapshot id
 *   root/snapshots/rm-&lt;id&gt;   a directory being removed
 *   root/tmp/                 in-flight directories; anything here at start-up is garbage
 * </pre>
 */
public record SnapshotPaths(Path root) {
    public static final String REMOVING_PREFIX = "rm-";

    public Path metadata() {
        return root.resolve("metadata.db");
    }

    public Path snapshots() {
        return root.resolve("snapshots");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }

    public Path snapshot(long id) {
        return snapshots().resolve(Long.toString(id));
    }

    public Path removing(long id) {
        return snapshots().resolve(REMOVING_PREFIX + id);
    }
}
