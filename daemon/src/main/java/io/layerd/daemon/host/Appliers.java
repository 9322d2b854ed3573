package io.layerd.daemon.host;

import io.layerd.cimfs.CimfsLayout;
import io.layerd.cimfs.CimfsSnapshotter;
import io.layerd.core.snapshot.SnapshotPaths;
import io.layerd.differ.cimfs.CimfsApplier;
import io.layerd.differ.Applier;
import io.layerd.differ.lcow.LcowApplier;
import io.layerd.differ.Comparer;
import io.layerd.differ.lcow.LcowComparer;
import io.layerd.lcow.LcowLayerSettings;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.LcowLayout;
import io.layerd.lcow.LcowSnapshotter;
import io.layerd.lcow.LcowPlugin;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The appliers this daemon offers, by mount type. Apply names no snapshotter, so the LCOW applier
 * finds the instance (and its {@code verity} / {@code max_layer_size} options) by the snapshot
 * directory: the instance whose {@code <root>/snapshots/} holds it. Nothing else is written to, so
 * a request cannot place a layer file anywhere else in the file system.
 */
public final class Appliers {
    private Appliers() {
    }

    public static Map<String, Applier> of(PluginHost host) {
        Map<Path, LcowLayerSettings> snapshotDirs = lcowSnapshotDirs(host);
        List<CimfsSnapshotter> cimfs = host.instances().stream().map(PluginHost.Instance::snapshotter)
                .filter(CimfsSnapshotter.class::isInstance).map(CimfsSnapshotter.class::cast).toList();
        return Map.of(LcowLayout.MOUNT_TYPE, new LcowApplier(dir -> owner(snapshotDirs, dir)),
                CimfsLayout.MOUNT_TYPE, new CimfsApplier(dir -> cimfs.stream().filter(c -> c.owns(dir)).findFirst(),
                        CimWriters.forThisHost(), CimWriters.hiveMerger()));
    }

    /** The {@code snapshots/} directory of every lcow instance, with the instance's layer settings. */
    private static Map<Path, LcowLayerSettings> lcowSnapshotDirs(PluginHost host) {
        Map<Path, LcowLayerSettings> snapshotDirs = new LinkedHashMap<>();
        for (PluginHost.Instance i : host.instances()) {
            if (i.config().type().equals(LcowPlugin.TYPE)) {
                Path root = i.config().root().toAbsolutePath().normalize();
                snapshotDirs.put(new SnapshotPaths(root).snapshots(), LcowLayerSettings.of(i.config()));
            }
        }
        return snapshotDirs;
    }

    /**
     * The comparers this daemon offers, by mount type: LCOW through the service VM ({@code
     * exporter}), for snapshot directories of its lcow instances only; blobs are staged in
     * {@code tempDir} (leftovers of a crash are removed by {@link #removeLeftovers}).
     */
    public static Map<String, Comparer> comparers(PluginHost host, ScratchExporter exporter, Path tempDir) {
        Map<Path, LcowSnapshotter> instances = new LinkedHashMap<>();
        for (PluginHost.Instance i : host.instances()) {
            if (i.snapshotter() instanceof LcowSnapshotter lcow) {
                instances.put(new SnapshotPaths(i.config().root().toAbsolutePath().normalize()).snapshots(), lcow);
            }
        }
        return Map.of(LcowLayout.MOUNT_TYPE, new LcowComparer(dir -> Optional.ofNullable(dir.getParent()).map(instances::get)
                .flatMap(lcow -> lcow.containerLayoutAt(dir)), exporter, tempDir));
    }

    /** Deletes blobs a Diff was staging when the daemon stopped. */
    public static void removeLeftovers(Path tempDir) throws java.io.IOException {
        if (java.nio.file.Files.isDirectory(tempDir)) {
            try (var files = java.nio.file.Files.newDirectoryStream(tempDir, "diff-*.tmp")) {
                for (Path f : files) {
                    java.nio.file.Files.deleteIfExists(f);
                }
            }
        }
    }

    private static Optional<LcowLayerSettings> owner(Map<Path, LcowLayerSettings> snapshotDirs, Path dir) {
        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
        if (name.startsWith(SnapshotPaths.REMOVING_PREFIX)) {
            return Optional.empty();
        }
        return Optional.ofNullable(dir.getParent()).map(snapshotDirs::get);
    }
}
