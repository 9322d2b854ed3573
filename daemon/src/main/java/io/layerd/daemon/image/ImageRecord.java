package io.layerd.daemon.image;

import io.layerd.core.content.Descriptor;

import java.time.Instant;

/**
 * An image layerd imported on its own (without containerd), as containerd's image store keeps one:
 * its name, its target (the index.json entry the name came from), and where its layers went.
 *
 * @param manifest    digest of the platform manifest that was unpacked
 * @param snapshotter layerd instance holding the layers
 * @param topChainId  chain id of the top layer: the parent for a container's snapshot
 */
public record ImageRecord(String name, Descriptor target, String manifest, String snapshotter, String topChainId, Instant updated) {
}
