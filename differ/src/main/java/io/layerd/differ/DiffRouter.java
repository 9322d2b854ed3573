package io.layerd.differ;

import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.Mount;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Picks the applier for a request by mount type. Mounts of a type layerd does not own are
 * NOT_IMPLEMENTED, which tells containerd's diff service to try its next differ; a request for
 * a type layerd owns but with other than exactly one mount is INVALID_ARGUMENT.
 */
public final class DiffRouter {
    private final Map<String, Applier> appliers;

    public DiffRouter(Map<String, Applier> appliersByMountType) {
        this.appliers = Map.copyOf(appliersByMountType);
    }

    public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options) {
        Applier applier = null;
        for (Mount m : mounts) {
            applier = appliers.get(m.type());
            if (applier != null) {
                break;
            }
        }
        if (applier == null) {
            throw LayerdException.notImplemented("apply: no layerd differ for mount type(s) %s; layerd applies %s",
                    mounts.stream().map(Mount::type).distinct().toList(), new TreeMap<>(appliers).keySet());
        }
        if (mounts.size() != 1) {
            throw LayerdException.invalidArgument("apply: expected exactly one mount, got %d", mounts.size());
        }
        return applier.apply(layer, mounts.get(0), options);
    }

    /** Compare is not offered by any backend yet: every request goes to containerd's next differ. */
    public Descriptor compare(List<Mount> lower, List<Mount> upper) {
        throw LayerdException.notImplemented("diff: layerd does not compute diffs for mount types %s yet",
                upper.stream().map(Mount::type).distinct().toList());
    }
}
