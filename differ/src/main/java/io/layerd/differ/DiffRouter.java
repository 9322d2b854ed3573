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
    private final Map<String, Comparer> comparers;

    public DiffRouter(Map<String, Applier> appliersByMountType) {
        this(appliersByMountType, Map.of());
    }

    public DiffRouter(Map<String, Applier> appliersByMountType, Map<String, Comparer> comparersByMountType) {
        this.appliers = Map.copyOf(appliersByMountType);
        this.comparers = Map.copyOf(comparersByMountType);
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

    /**
     * Routes a Diff by the upper (right) mount's type; NOT_IMPLEMENTED when layerd has no comparer
     * for it or the lower mounts are of another type (containerd then tries its next differ), and
     * INVALID_ARGUMENT unless there is one upper mount and at most one lower mount.
     */
    public Descriptor compare(List<Mount> lower, List<Mount> upper, CompareOptions options) {
        Comparer comparer = upper.stream().map(m -> comparers.get(m.type())).filter(c -> c != null).findFirst().orElse(null);
        List<String> types = java.util.stream.Stream.concat(lower.stream(), upper.stream()).map(Mount::type).distinct().toList();
        if (comparer == null || types.size() != 1) {
            throw LayerdException.notImplemented("diff: no layerd differ for mount type(s) %s; layerd compares %s (both sides of one type)",
                    types, new TreeMap<>(comparers).keySet());
        }
        if (upper.size() != 1 || lower.size() > 1) {
            throw LayerdException.invalidArgument("diff: expected one right mount and at most one left mount, got %d and %d",
                    upper.size(), lower.size());
        }
        return comparer.compare(lower.stream().findFirst(), upper.get(0), options);
    }
}
