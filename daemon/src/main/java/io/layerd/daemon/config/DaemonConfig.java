package io.layerd.daemon.config;

import io.layerd.core.plugin.PluginConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * The daemon's configuration, shaped like containerd's: a data root, the gRPC socket address,
 * one plugin instance per {@code [plugins.<name>]} section, the service VM settings, and where
 * layer blobs are read from.
 */
public record DaemonConfig(Path root, Path address, List<PluginConfig> plugins, ServiceVmConfig serviceVm, ContentConfig content) {
    public DaemonConfig {
        plugins = List.copyOf(plugins);
    }

    public DaemonConfig(Path root, Path address, List<PluginConfig> plugins) {
        this(root, address, plugins, ServiceVmConfig.defaults(), ContentConfig.defaults());
    }

    /** The lock file that keeps a second daemon off the same root. */
    public Path lockFile() {
        return root.resolve("layerd.lock");
    }
}
