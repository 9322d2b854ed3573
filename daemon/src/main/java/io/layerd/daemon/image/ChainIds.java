package io.layerd.daemon.image;

import io.layerd.core.content.Digests;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * OCI chain ids: the first layer's is its diffID; each next one is
 * {@code sha256("<parent chain id> <diffID>")}. containerd commits each unpacked layer under its
 * chain id, so an unpack that names snapshots this way shares them with containerd's own.
 */
public final class ChainIds {
    private ChainIds() {
    }

    public static List<String> of(List<String> diffIds) {
        List<String> out = new ArrayList<>(diffIds.size());
        String chain = null;
        for (String diffId : diffIds) {
            chain = chain == null ? diffId : Digests.of((chain + " " + diffId).getBytes(StandardCharsets.UTF_8));
            out.add(chain);
        }
        return out;
    }
}
