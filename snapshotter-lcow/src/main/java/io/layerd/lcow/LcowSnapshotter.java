package io.layerd.lcow;

import io.layerd.core.snapshot.DirectorySnapshotter;

import java.nio.file.Path;

/** The LCOW snapshotter: containerd's {@code windows-lcow} semantics on a layerd root. */
public final class LcowSnapshotter extends DirectorySnapshotter {
    public LcowSnapshotter(Path root) {
        super(root, new LcowLayout());
    }
}
