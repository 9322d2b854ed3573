package io.layerd.core.metastore;

import io.layerd.core.errors.LayerdException;

import java.nio.charset.StandardCharsets;
import java.util.Map;

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
}
