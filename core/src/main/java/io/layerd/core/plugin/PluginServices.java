package io.layerd.core.plugin;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Services the daemon hands to plugin instances it opens, looked up by interface. Plugins are
 * found through {@link java.util.ServiceLoader} and so cannot take constructor arguments; this is
 * how, say, the LCOW snapshotter receives something that formats a disk in the service VM
 * without depending on the service VM module. The interface type is declared by the plugin's
 * own module; the daemon registers an implementation under it.
 *
 * <p>Every service is optional: a plugin must work without it or refuse the requests that need
 * it with a clear error, because tools and tests open plugins with {@link #NONE}.
 */
public final class PluginServices {
    /** No services: what a plugin sees outside the daemon. */
    public static final PluginServices NONE = new PluginServices(Map.of());

    private final Map<Class<?>, Object> services;

    private PluginServices(Map<Class<?>, Object> services) {
        this.services = Map.copyOf(services);
    }

    /** A copy with {@code service} registered under {@code type} (replacing any earlier one). */
    public <T> PluginServices with(Class<T> type, T service) {
        Map<Class<?>, Object> more = new HashMap<>(services);
        more.put(Objects.requireNonNull(type, "type"), type.cast(Objects.requireNonNull(service, "service")));
        return new PluginServices(more);
    }

    /** The service registered under {@code type}, if any. */
    public <T> Optional<T> find(Class<T> type) {
        return Optional.ofNullable(services.get(type)).map(type::cast);
    }
}
