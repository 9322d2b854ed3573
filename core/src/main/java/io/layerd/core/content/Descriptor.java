package io.layerd.core.content;

import java.util.Map;

/** An OCI content descriptor: media type, {@code sha256:<hex>} digest, size, annotations. */
public record Descriptor(String mediaType, String digest, long size, Map<String, String> annotations) {
    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
