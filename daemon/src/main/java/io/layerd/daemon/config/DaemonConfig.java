package io.layerd.daemon.config;

import io.layerd.core.plugin.PluginConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * The daemon's configuration, shaped like containerd's: a data root, the gRPC socket address,
 * and one plugin instance per {@code [plugins.<name>]} section.
 */
public record DaemonConfig(Path root, Path address, List<PluginConfig> plugins) {
    public DaemonConfig {
        plugins = List.copyOf(plugins);
    }

    /** The lock file that keeps a second daemon off the same root. */
    public Path lockFile() {
        return root.resolve("layerd.lock");
    }
}
