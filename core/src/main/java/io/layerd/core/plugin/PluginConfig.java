package io.layerd.core.plugin;

import io.layerd.core.errors.LayerdException;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One {@code [plugins.<name>]} section of the configuration: the instance name containerd will
 * send as {@code snapshotter}, the plugin type, its own root directory, and type-specific options
 * (TOML values as strings, numbers, booleans).
 */
public record PluginConfig(String name, String type, Path root, Map<String, Object> options) {
    public PluginConfig {
        options = Map.copyOf(options);
    }

    /** Refuses options the plugin does not know, so a typo is an error rather than ignored. */
    public void requireOnly(Set<String> known) {
        Set<String> unknown = new TreeSet<>(options.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw LayerdException.invalidArgument("plugin %s (type %s): unknown option(s) %s; known: %s",
                    name, type, unknown, new TreeSet<>(known));
        }
    }

    /** Options rendered as strings, for display. */
    public Map<String, String> optionText() {
        Map<String, String> out = new TreeMap<>();
        options.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
