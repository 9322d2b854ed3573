package io.layerd.daemon.host;

import io.layerd.core.snapshot.SnapshotPaths;
import io.layerd.differ.Applier;
import io.layerd.differ.lcow.LcowApplier;
import io.layerd.lcow.LcowLayerSettings;
import io.layerd.lcow.LcowLayout;
import io.layerd.lcow.LcowPlugin;

import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        Map<Path, LcowLayerSettings> snapshotDirs = new LinkedHashMap<>();
        for (PluginHost.Instance i : host.instances()) {
            if (i.config().type().equals(LcowPlugin.TYPE)) {
                Path root = i.config().root().toAbsolutePath().normalize();
                snapshotDirs.put(new SnapshotPaths(root).snapshots(), LcowLayerSettings.of(i.config()));
            }
        }
        return Map.of(LcowLayout.MOUNT_TYPE, new LcowApplier(dir -> owner(snapshotDirs, dir)));
    }

    private static Optional<LcowLayerSettings> owner(Map<Path, LcowLayerSettings> snapshotDirs, Path dir) {
        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
        if (name.startsWith(SnapshotPaths.REMOVING_PREFIX)) {
            return Optional.empty();
        }
        return Optional.ofNullable(dir.getParent()).map(snapshotDirs::get);
    }
}
