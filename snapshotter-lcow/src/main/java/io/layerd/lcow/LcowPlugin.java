package io.layerd.lcow;

import io.layerd.core.plugin.PluginConfig;
import io.layerd.core.plugin.PluginServices;
import io.layerd.core.plugin.SnapshotterPlugin;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.lcow.scratch.ScratchFormatter;

/** Registers the {@code lcow} snapshotter type with the plugin host. */
public final class LcowPlugin implements SnapshotterPlugin {
    public static final String TYPE = "lcow";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "Linux containers on Windows: ext4 layer.vhd per layer, sandbox.vhdx scratch per container";
    }

    @Override
    public Snapshotter open(PluginConfig config) {
        return open(config, PluginServices.NONE);
    }

    /** Uses the {@link ScratchFormatter} among {@code services} to create scratch templates. */
    @Override
    public Snapshotter open(PluginConfig config, PluginServices services) {
        // Layer options are read by the differ; checking them here makes a bad value fail at start-up.
        LcowLayerSettings.of(config);
        return new LcowSnapshotter(config.root(), services.find(ScratchFormatter.class));
    }
}
