package io.layerd.daemon.image;

import io.layerd.core.content.Descriptor;

import java.util.List;

/**
 * One platform's image: its manifest, config and layers (base first), with the layers' diffIDs
 * from the config and the chain ids containerd names committed snapshots by.
 */
public record ImageManifest(Descriptor manifest, Descriptor config, List<Descriptor> layers, List<String> diffIds) {
    public ImageManifest {
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
        if (layers.size() != diffIds.size()) {
            throw new IllegalArgumentException("the manifest lists " + layers.size() + " layers but the config " + diffIds.size() + " diff ids");
        }
    }

    /** containerd's chain id of layers {@code 0..n}: the chain of snapshots an unpack commits. */
    public List<String> chainIds() {
        return ChainIds.of(diffIds);
    }
}
