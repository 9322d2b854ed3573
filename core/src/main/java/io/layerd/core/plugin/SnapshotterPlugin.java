package io.layerd.core.plugin;

import io.layerd.core.snapshot.Snapshotter;

/**
 * A snapshotter type the daemon can instantiate from configuration. Implementations register
 * through {@link java.util.ServiceLoader} ({@code META-INF/services}); several instances of one
 * type may run side by side, each with its own root.
 */
public interface SnapshotterPlugin {

    /** The {@code type} value that selects this plugin in a {@code [plugins.<name>]} section. */
    String type();

    /** One line for people: what this plugin stores and how. */
    String description();

    /** Opens an instance on {@code config.root()}, creating the root if needed. */
    Snapshotter open(PluginConfig config);

    /**
     * Opens an instance that may use the daemon's {@code services}. A plugin that needs none
     * keeps this default, which ignores them.
     */
    default Snapshotter open(PluginConfig config, PluginServices services) {
        return open(config);
    }
}
