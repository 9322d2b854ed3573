package io.layerd.cimfs;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.DirectorySnapshotter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CimFS snapshotter: containerd's {@code cimfs} semantics on a layerd root. */
public final class CimfsSnapshotter extends DirectorySnapshotter {
    public CimfsSnapshotter(Path root) {
        super(root, new CimfsLayout());
        try {
            Files.createDirectories(paths().snapshots().resolve(CimfsLayout.CIM_LAYERS));
        } catch (IOException e) {
            throw LayerdException.internal("cimfs root " + root + ": " + e.getMessage(), e);
        }
    }
}
