package io.layerd.lcow;

import io.layerd.core.plugin.PluginConfig;
import io.layerd.core.plugin.PluginServices;
import io.layerd.core.plugin.SnapshotterPlugin;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.lcow.scratch.ScratchExporter;
import io.layerd.lcow.scratch.ScratchResizer;
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

    /**
     * Uses the {@link ScratchFormatter} among {@code services} to create scratch templates and the
     * {@link ScratchExporter} to commit container snapshots into layers.
     */
    @Override
    public Snapshotter open(PluginConfig config, PluginServices services) {
        return new LcowSnapshotter(config.root(), services.find(ScratchFormatter.class), services.find(ScratchExporter.class),
                services.find(ScratchResizer.class),
                LcowLayerSettings.of(config));
    }
}
