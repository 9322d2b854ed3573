package io.layerd.core.snapshot;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What containerd knows about a snapshot: its name (the key of an active or view snapshot, the
 * name of a committed one), the name of its parent ("" for none), its kind, times and labels.
 */
public record Info(String name, String parent, Kind kind, Instant created, Instant updated,
                   Map<String, String> labels) {
    public Info {
        Objects.requireNonNull(name, "name");
        parent = parent == null ? "" : parent;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** An Info that carries only a name and labels, as Update requests do. */
    public static Info ofLabels(String name, Map<String, String> labels) {
        return new Info(name, "", null, null, null, labels);
    }
}
