package io.layerd.core.metastore;

import io.layerd.core.snapshot.Kind;

import java.util.List;

/**
 * A snapshot as the store identifies it: its internal id (which names its directory), kind and
 * the ids of its parent chain, immediate parent first and base layer last.
 */
public record StoredSnapshot(long id, Kind kind, List<Long> parentIds) {
    public StoredSnapshot {
        parentIds = List.copyOf(parentIds);
    }
}
