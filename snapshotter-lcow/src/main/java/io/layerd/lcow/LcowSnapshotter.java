package io.layerd.lcow;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.metastore.SnapshotRecord;
import io.layerd.core.metastore.StoredSnapshot;
import io.layerd.core.snapshot.DirectorySnapshotter;
import io.layerd.core.snapshot.Kind;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchFormatter;
import io.layerd.lcow.scratch.ScratchLayout;
import io.layerd.lcow.scratch.ScratchResizer;
import io.layerd.lcow.scratch.ScratchTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        this(root, formatter, exporter, Optional.empty(), settings);
    }

    /** With a {@code resizer}, a container whose size label grows gets a grown scratch. */
    public LcowSnapshotter(Path root, Optional<ScratchFormatter> formatter, Optional<ScratchExporter> exporter,
                           Optional<ScratchResizer> resizer, LcowLayerSettings settings) {
        this(root, new LcowLayout(templates(root, formatter), exporter, resizer, settings));
    }

    private LcowSnapshotter(Path root, LcowLayout layout) {
        super(root, layout);
        layout.findSharedScratchesWith(this::sharedScratch);
    }

    /**
     * Where the overlay upper dir is in the scratch of the active container whose directory is
     * {@code dir} (its scratch-dir label); empty when {@code dir} is no active snapshot of this one.
     */
    public Optional<ScratchLayout> containerLayoutAt(Path dir) {
        for (SnapshotRecord r : records()) {
            if (r.info().kind() == Kind.ACTIVE && directoryOf(r).map(d -> d.equals(dir)).orElse(false)) {
                return Optional.of(ScratchLayout.of(r.info().name(), r.info().labels()));
            }
        }
        return Optional.empty();
    }

    /**
     * The disks of {@code key}'s file tree: a committed layer is its own {@code layer.vhd} over
     * its parents'; a view is its parents'; an active container adds its scratch. An unpack
     * target has no tree yet (its layer is being written): FAILED_PRECONDITION.
     */
    public SnapshotDisks disks(String key) {
        record Found(StoredSnapshot snapshot, SnapshotRecord record) {
        }
        Found f = store().read(tx -> new Found(tx.get(key), tx.record(key)));
        List<Path> parents = f.snapshot().parentIds().stream().map(id -> paths().snapshot(id)).toList();
        List<Path> layerDirs = new ArrayList<>();
        Optional<Path> scratch = Optional.empty();
        Path own = paths().snapshot(f.snapshot().id());
        switch (f.snapshot().kind()) {
            case COMMITTED -> layerDirs.add(own);
            case VIEW -> { }
            case ACTIVE -> {
                if (!LcowLayout.needsScratch(Kind.ACTIVE, key)) {
                    throw LayerdException.failedPrecondition("snapshot \"%s\" is an unpack target: its %s is being written by Apply;"
                            + " open it once it is committed", key, LcowLayout.LAYER);
                }
                scratch = Optional.of(own.resolve(LcowLayout.SANDBOX));
            }
        }
        layerDirs.addAll(parents);
        List<Path> layers = new ArrayList<>();
        for (Path dir : layerDirs) {
            Path vhd = dir.resolve(LcowLayout.LAYER);
            if (!Files.isRegularFile(vhd)) {
                throw LayerdException.failedPrecondition("snapshot \"%s\": layer %s is missing; was the layer committed without Apply?", key, vhd);
            }
            layers.add(vhd);
        }
        if (scratch.isPresent() && !Files.exists(scratch.get())) {
            throw LayerdException.failedPrecondition("snapshot \"%s\": its scratch %s is missing", key, scratch.get());
        }
        return new SnapshotDisks(key, layers, scratch, ScratchLayout.of(key, f.record().info().labels()));
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
