package io.layerd.differ;

import io.layerd.core.content.Descriptor;
import io.layerd.core.snapshot.Mount;

/** Applies a layer blob onto the one mount of a snapshot (containerd's {@code diff.Applier}). */
public interface Applier {
    /**
     * Applies {@code layer} onto {@code mount} and returns the descriptor of the uncompressed
     * tar that was applied. The mount's type is one the applier was registered for.
     */
    Descriptor apply(Descriptor layer, Mount mount, ApplyOptions options);
}
