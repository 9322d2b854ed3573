package io.layerd.cimfs;

import io.layerd.cimfs.image.CimFiles;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.wclayer.HiveMerger;
import io.layerd.cimfs.wclayer.WindowsLayerImporter;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.snapshot.DirectorySnapshotter;
import io.layerd.core.snapshot.Kind;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The CimFS snapshotter: containerd's {@code cimfs} semantics on a layerd root. */
public final class CimfsSnapshotter extends DirectorySnapshotter {
    private final CimfsLayout layout;
    private final Object[] importStripes = new Object[64];

    public CimfsSnapshotter(Path root) {
        this(root, Optional.empty());
    }

    public CimfsSnapshotter(Path root, Optional<CimfsScratchProvider> scratch) {
        this(root, new CimfsLayout(scratch));
    }

    private CimfsSnapshotter(Path root, CimfsLayout layout) {
        super(root, layout);
        this.layout = layout;
        for (int i = 0; i < importStripes.length; i++) {
            importStripes[i] = new Object();
        }
        try {
            Files.createDirectories(cimLayers());
        } catch (IOException e) {
            throw LayerdException.internal("cimfs root " + root + ": " + e.getMessage(), e);
        }
    }

    public Path cimLayers() {
        return paths().snapshots().resolve(CimfsLayout.CIM_LAYERS);
    }

    /**
     * Whether {@code snapshotDir} is a snapshot directory of this instance, i.e. lies directly in
     * its {@code snapshots/} directory (and is not one being removed).
     */
    public boolean owns(Path snapshotDir) {
        Path d = snapshotDir.toAbsolutePath().normalize();
        return paths().snapshots().toAbsolutePath().normalize().equals(d.getParent()) && snapshotId(d).isPresent();
    }

    private static Optional<Long> snapshotId(Path dir) {
        try {
            return Optional.of(Long.parseLong(dir.getFileName().toString()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Imports a Windows layer tar into snapshot {@code snapshotDir}'s CIM, forked from the CIM of
     * the parent snapshot whose CIM is {@code parentCim} (topmost parent; empty for a base layer).
     * {@code cimPath} must be the snapshot's own CIM path, and the parent's CIM must be one of this
     * instance's: nothing is written anywhere else. A CIM the snapshot had is replaced; when the
     * import fails the snapshot has none.
     */
    public WindowsLayerImporter.Result importLayer(Path snapshotDir, Path cimPath, Optional<Path> parentCim,
                                                   Optional<Path> parentLayerDir, InputStream tar, CimWriterFactory writers,
                                                   Optional<HiveMerger> hiveMerger) throws IOException {
        return importLayer(snapshotDir, cimPath, parentCim, parentLayerDir, tar, writers, hiveMerger, WindowsLayerImporter.InputCheck.NONE);
    }

    /** As above; {@code beforeCommit} checks the input (a blob's digest) before the CIM is committed. */
    public WindowsLayerImporter.Result importLayer(Path snapshotDir, Path cimPath, Optional<Path> parentCim,
                                                   Optional<Path> parentLayerDir, InputStream tar, CimWriterFactory writers,
                                                   Optional<HiveMerger> hiveMerger, WindowsLayerImporter.InputCheck beforeCommit)
            throws IOException {
        Path dir = snapshotDir.toAbsolutePath().normalize();
        long id = snapshotId(dir).filter(x -> owns(dir)).orElseThrow(() -> LayerdException.notImplemented(
                "apply: %s is not a snapshot directory of this cimfs instance", dir));
        if (!Files.isDirectory(dir)) {
            throw LayerdException.notFound("apply: snapshot directory %s does not exist", dir);
        }
        // Only an active extract snapshot receives a layer: replacing a committed layer's CIM would
        // pull it from under every layer forked from it.
        var record = records().stream().filter(r -> r.id() == id).findFirst().orElseThrow(() -> LayerdException.notFound(
                "apply: no snapshot owns %s", dir));
        if (record.info().kind() != Kind.ACTIVE || !CimfsLayout.isExtract(record.info().name())) {
            throw LayerdException.failedPrecondition("apply: snapshot \"%s\" is %s; a layer is applied to an active extract snapshot",
                    record.info().name(), record.info().kind() != Kind.ACTIVE ? record.info().kind().name().toLowerCase() : "a container");
        }
        Path own = CimfsLayout.cimPath(paths(), id).toAbsolutePath().normalize();
        if (!own.equals(cimPath.toAbsolutePath().normalize())) {
            throw LayerdException.invalidArgument("apply: cimpath %s is not the CIM of snapshot %s (%s)", cimPath, dir, own);
        }
        if (parentCim.isPresent()) {
            Path p = parentCim.get().toAbsolutePath().normalize();
            if (!cimLayers().toAbsolutePath().normalize().equals(p.getParent()) || !Files.isRegularFile(p)) {
                throw LayerdException.failedPrecondition("apply: parent CIM %s is not an imported layer of this cimfs instance", p);
            }
        }
        // One import per snapshot at a time: they would share its CIM name and staging directory.
        synchronized (importStripes[(int) Math.floorMod(id, (long) importStripes.length)]) {
            layout.cimLayersLock().readLock().lock();
            try {
                CimFiles.destroy(own); // a second Apply replaces the layer; a failed one leaves none
                WindowsLayerImporter importer = new WindowsLayerImporter(writers, hiveMerger);
                return importer.importLayer(tar, new WindowsLayerImporter.Target(own.getParent(), own.getFileName().toString(),
                        parentCim.map(p -> p.getFileName().toString()).orElse(null), dir, parentLayerDir.orElse(null)), beforeCommit);
            } finally {
                layout.cimLayersLock().readLock().unlock();
            }
        }
    }

    /** The CIM files snapshot {@code id} owns (empty when it has no layer). */
    public List<Path> cimFiles(long id) throws IOException {
        Path cim = CimfsLayout.cimPath(paths(), id);
        return Files.exists(cim) ? CimFiles.ownFiles(cim) : List.of();
    }
}
