package io.layerd.differ;

import io.layerd.core.content.Descriptor;
import io.layerd.core.snapshot.Mount;

import java.util.Optional;

/** Computes the layer between two snapshots' mounts (containerd's {@code diff.Comparer}). */
public interface Comparer {
    /**
     * The changes from {@code lower} (empty for a base layer) to {@code upper} as a layer blob,
     * written to the options' content store; returns its descriptor. The mounts' type is one the
     * comparer was registered for.
     */
    Descriptor compare(Optional<Mount> lower, Mount upper, CompareOptions options);
}
