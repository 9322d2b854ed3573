package io.layerd.daemon.host;

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
 * directory: the instance whose root contains it.
 */
public final class Appliers {
    private Appliers() {
    }

    public static Map<String, Applier> of(PluginHost host) {
        Map<Path, LcowLayerSettings> lcowRoots = new LinkedHashMap<>();
        for (PluginHost.Instance i : host.instances()) {
            if (i.config().type().equals(LcowPlugin.TYPE)) {
                lcowRoots.put(i.config().root().toAbsolutePath().normalize(), LcowLayerSettings.of(i.config()));
            }
        }
        return Map.of(LcowLayout.MOUNT_TYPE, new LcowApplier(dir -> owner(lcowRoots, dir)));
    }

    private static Optional<LcowLayerSettings> owner(Map<Path, LcowLayerSettings> roots, Path dir) {
        return roots.entrySet().stream()
                .filter(e -> dir.startsWith(e.getKey()) && !dir.equals(e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
