package io.layerd.daemon.host;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.plugin.PluginConfig;
import io.layerd.core.plugin.PluginServices;
import io.layerd.core.plugin.SnapshotterPlugin;
import io.layerd.core.snapshot.Snapshotter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Builds the configured plugin instances from the plugin types found on the class path and
 * answers which instance a request's {@code snapshotter} name means.
 */
public final class PluginHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginHost.class);

    /** A running instance and the section it was built from. */
    public record Instance(PluginConfig config, Snapshotter snapshotter) {
    }

    private final Map<String, Instance> instances;

    private PluginHost(Map<String, Instance> instances) {
        this.instances = instances;
    }

    /** The plugin types on the class path, by type name. */
    public static Map<String, SnapshotterPlugin> availableTypes() {
        Map<String, SnapshotterPlugin> types = new TreeMap<>();
        for (SnapshotterPlugin p : ServiceLoader.load(SnapshotterPlugin.class)) {
            types.put(p.type(), p);
        }
        return types;
    }

    /** Opens every configured instance without daemon services; on failure closes those already open. */
    public static PluginHost start(List<PluginConfig> configs) {
        return start(configs, PluginServices.NONE);
    }

    /** Opens every configured instance with {@code services}; on failure closes those already open. */
    public static PluginHost start(List<PluginConfig> configs, PluginServices services) {
        Map<String, SnapshotterPlugin> types = availableTypes();
        Map<String, Instance> opened = new LinkedHashMap<>();
        try {
            for (PluginConfig c : configs) {
                SnapshotterPlugin type = types.get(c.type());
                if (type == null) {
                    throw LayerdException.invalidArgument("plugin %s: unknown type %s; known types: %s",
                            c.name(), c.type(), types.keySet());
                }
                Snapshotter s = type.open(c, services);
                opened.put(c.name(), new Instance(c, s));
                log.info("plugin {} (type {}) ready at {}", c.name(), c.type(), c.root());
            }
        } catch (RuntimeException e) {
            opened.values().forEach(i -> i.snapshotter().close());
            throw e;
        }
        return new PluginHost(opened);
    }

    /** The snapshotter named {@code name}; NOT_FOUND naming the known ones otherwise. */
    public Snapshotter snapshotter(String name) {
        return instance(name).snapshotter();
    }

    public Instance instance(String name) {
        if (name == null || name.isEmpty()) {
            throw LayerdException.invalidArgument("snapshotter name must not be empty; this layerd serves %s", names());
        }
        Instance i = instances.get(name);
        if (i == null) {
            throw LayerdException.notFound("snapshotter \"%s\": not found; this layerd serves %s", name, names());
        }
        return i;
    }

    public Collection<Instance> instances() {
        return instances.values();
    }

    public List<String> names() {
        return new ArrayList<>(instances.keySet());
    }

    @Override
    public void close() {
        for (Instance i : instances.values()) {
            try {
                i.snapshotter().close();
            } catch (RuntimeException e) {
                log.warn("plugin {}: close failed: {}", i.config().name(), e.toString());
            }
        }
    }
}
