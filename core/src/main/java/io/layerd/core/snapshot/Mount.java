package io.layerd.core.snapshot;

import java.util.List;

/** One mount of a snapshot's root filesystem, as containerd's {@code types.Mount}. */
public record Mount(String type, String source, String target, List<String> options) {
    public Mount {
        target = target == null ? "" : target;
        options = List.copyOf(options);
    }

    public Mount(String type, String source, List<String> options) {
        this(type, source, "", options);
    }
}
