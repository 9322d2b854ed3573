package io.layerd.core.metastore;

import io.layerd.core.errors.LayerdException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Label rules containerd enforces on every snapshot and content label. */
public final class Labels {
    /** containerd's limit on the UTF-8 length of a label's key plus its value. */
    public static final int MAX_PAIR_BYTES = 4096;

    private Labels() {
    }

    public static void validate(Map<String, String> labels) {
        for (Map.Entry<String, String> e : labels.entrySet()) {
            validate(e.getKey(), e.getValue());
        }
    }

    public static void validate(String key, String value) {
        int size = key.getBytes(StandardCharsets.UTF_8).length
                + (value == null ? 0 : value.getBytes(StandardCharsets.UTF_8).length);
        if (size > MAX_PAIR_BYTES) {
            throw LayerdException.invalidArgument(
                    "label key and value length (%d bytes) greater than maximum size (%d bytes), key: %s",
                    size, MAX_PAIR_BYTES, abbreviate(key));
        }
        if (key.isEmpty()) {
            throw LayerdException.invalidArgument("label key must not be empty");
        }
    }

    private static String abbreviate(String key) {
        return key.length() <= 64 ? key : key.substring(0, 64) + "…";
    }

    /**
     * The labels a snapshot has after an Update under containerd's field-mask rules: no paths
     * replace them all, "labels" too, "labels.<key>" sets or (with an empty or missing value)
     * removes one key. Other paths are INVALID_ARGUMENT.
     */
    public static Map<String, String> afterUpdate(Map<String, String> current, Map<String, String> requested, List<String> fieldPaths,
                                                  String snapshot) {
        Map<String, String> updated = new TreeMap<>(current);
        if (fieldPaths.isEmpty()) {
            updated = new TreeMap<>(requested);
        } else {
            for (String path : fieldPaths) {
                if (path.startsWith("labels.")) {
                    String k = path.substring("labels.".length());
                    String v = requested.get(k);
                    if (v == null || v.isEmpty()) {
                        updated.remove(k);
                    } else {
                        updated.put(k, v);
                    }
                } else if (path.equals("labels")) {
                    updated = new TreeMap<>(requested);
                } else {
                    throw LayerdException.invalidArgument(
                            "cannot update \"%s\" field on snapshot \"%s\": only \"labels\" and \"labels.<key>\" are mutable",
                            path, snapshot);
                }
            }
        }
        updated.values().removeIf(String::isEmpty);
        validate(updated);
        return updated;
    }
}
