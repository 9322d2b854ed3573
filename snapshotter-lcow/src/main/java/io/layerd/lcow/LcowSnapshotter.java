package io.layerd.lcow;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.metastore.SnapshotRecord;
import io.layerd.core.snapshot.DirectorySnapshotter;
import io.layerd.core.snapshot.Kind;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchFormatter;
import io.layerd.lcow.scratch.ScratchTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The LCOW snapshotter: containerd's {@code windows-lcow} semantics on a layerd root. Scratch
 * templates are cached in the root; without a formatter only templates already there can be
 * used, and a Prepare needing another fails with FAILED_PRECONDITION.
 */
public final class LcowSnapshotter extends DirectorySnapshotter {

    /** A snapshotter that cannot format new scratch templates. */
    public LcowSnapshotter(Path root) {
        this(root, Optional.empty());
    }

    public LcowSnapshotter(Path root, Optional<ScratchFormatter> formatter) {
        this(root, formatter, Optional.empty(), LcowLayerSettings.defaults());
    }

    /** With an {@code exporter}, a container snapshot's Commit turns its scratch into a layer written per {@code settings}. */
    public LcowSnapshotter(Path root, Optional<ScratchFormatter> formatter, Optional<ScratchExporter> exporter,
                           LcowLayerSettings settings) {
        this(root, new LcowLayout(templates(root, formatter), exporter, settings));
    }

    private LcowSnapshotter(Path root, LcowLayout layout) {
        super(root, layout);
        layout.findSharedScratchesWith(this::sharedScratch);
    }

    private static ScratchTemplates templates(Path root, Optional<ScratchFormatter> formatter) {
        try {
            return new ScratchTemplates(root, formatter);
        } catch (IOException e) {
            throw LayerdException.internal("snapshotter root " + root + ": cannot prepare the scratch cache: " + e.getMessage(), e);
        }
    }

    /**
     * The {@code sandbox.vhdx} of the snapshot whose key contains {@code ownerKey}, as
     * containerd's {@code handleSharing} finds it: the last match of a walk wins.
     */
    private Path sharedScratch(String ownerKey) {
        Path found = null;
        for (SnapshotRecord r : records()) {
            if (r.info().name().contains(ownerKey) && r.info().kind() != Kind.VIEW) {
                Optional<Path> dir = directoryOf(r);
                if (dir.isPresent()) {
                    found = dir.get().resolve(LcowLayout.SANDBOX);
                }
            }
        }
        if (found == null || !Files.exists(found)) {
            throw LayerdException.failedPrecondition("scratch to share: no snapshot whose key contains \"%s\" has a %s",
                    ownerKey, LcowLayout.SANDBOX);
        }
        return found;
    }
}
