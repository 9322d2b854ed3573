package io.layerd.core.content;

import java.util.Map;

/** What a content store knows of a committed blob. */
public record ContentInfo(String digest, long size, Map<String, String> labels) {
    public ContentInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
