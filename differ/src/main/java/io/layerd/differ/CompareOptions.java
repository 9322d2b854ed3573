package io.layerd.differ;

import io.layerd.core.content.ContentStore;

import java.time.Instant;
import java.util.Map;

/**
 * Options of one Diff call, as containerd's DiffRequest carries them. {@code mediaType}: the
 * layer's media type, which picks the compression (empty: gzip); {@code ref}: the content store's
 * ingest ref; {@code labels}: set on the committed blob; {@code sourceDateEpoch}: null when unset.
 */
public record CompareOptions(ContentStore content, String mediaType, String ref, Map<String, String> labels, Instant sourceDateEpoch) {
    public CompareOptions {
        mediaType = mediaType == null ? "" : mediaType;
        ref = ref == null ? "" : ref;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
