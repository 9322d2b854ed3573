package io.layerd.core.metastore;

import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Usage;

/** One row of the store: internal id, the containerd-visible info, and the recorded usage. */
public record SnapshotRecord(long id, Info info, Usage usage) {
}
