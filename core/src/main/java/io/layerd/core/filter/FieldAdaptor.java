package io.layerd.core.filter;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a field path of a filter selector onto one object. An empty result means the field is not
 * present; the distinction matters because {@code labels.x} (presence) and {@code labels.x==""}
 * are different questions.
 */
@FunctionalInterface
public interface FieldAdaptor {

    Optional<String> field(List<String> fieldPath);

    /**
     * Looks up the rest of a field path in a string map, the way containerd's {@code checkMap}
     * does for labels: the remaining path elements are re-joined with {@code .}, so
     * {@code labels.a.b} and {@code labels."a.b"} name the same key.
     * A null map is treated like an empty one (Go's nil map): it has no fields at all.
     */
    static Optional<String> mapField(List<String> rest, Map<String, String> m) {
        if (m == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(m.get(String.join(".", rest)));
    }
}
