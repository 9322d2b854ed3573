package io.layerd.cimfs;

import io.layerd.core.plugin.PluginConfig;
import io.layerd.core.plugin.PluginServices;
import io.layerd.core.plugin.SnapshotterPlugin;
import io.layerd.core.snapshot.Snapshotter;

import java.util.Optional;
import java.util.Set;

/** Registers the {@code cimfs} snapshotter type with the plugin host. */
public final class CimfsPlugin implements SnapshotterPlugin {
    public static final String TYPE = "cimfs";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "Windows containers: one CIM (Composite Image) per layer";
    }

    @Override
    public Snapshotter open(PluginConfig config) {
        return open(config, PluginServices.NONE);
    }

    /** Uses the {@link CimfsScratchProvider} among {@code services} for containers' scratch disks. */
    @Override
    public Snapshotter open(PluginConfig config, PluginServices services) {
        config.requireOnly(Set.of());
        return new CimfsSnapshotter(config.root(), services.find(CimfsScratchProvider.class));
    }
}
