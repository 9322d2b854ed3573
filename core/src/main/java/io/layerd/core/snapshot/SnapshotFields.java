package io.layerd.core.snapshot;

import io.layerd.core.filter.FieldAdaptor;

import java.util.List;
import java.util.Optional;

/** The fields of a snapshot {@link Info} that containerd's filters can name. */
public final class SnapshotFields {
    private SnapshotFields() {
    }

    public static FieldAdaptor of(Info info) {
        return path -> {
            if (path.isEmpty()) {
                return Optional.empty();
            }
            List<String> rest = path.subList(1, path.size());
            return switch (path.get(0)) {
                case "kind" -> Optional.of(info.kind().text());
                case "name" -> Optional.of(info.name());
                case "parent" -> Optional.of(info.parent());
                case "labels" -> FieldAdaptor.mapField(rest, info.labels());
                default -> Optional.empty();
            };
        };
    }
}
