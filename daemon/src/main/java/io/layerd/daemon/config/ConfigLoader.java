package io.layerd.daemon.config;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.plugin.PluginConfig;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the TOML configuration. Unknown keys are errors, so a misspelt option never silently
 * falls back to a default. With no {@code [plugins]} table the daemon runs the default
 * instances {@code lcow} and {@code cimfs}.
 */
public final class ConfigLoader {
    private static final Set<String> TOP_KEYS = Set.of("version", "root", "grpc", "plugins", "servicevm", "content");
    private static final Set<String> CONTENT_KEYS = Set.of("containerd_address");
    private static final Set<String> SERVICEVM_KEYS = Set.of("mode", "boot_files", "memory_mb", "cpus", "accelerator", "qemu",
            "boot_timeout", "operation_timeout", "idle_shutdown");
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");
    private static final Set<String> GRPC_KEYS = Set.of("address");
    private static final Set<String> PLUGIN_KEYS = Set.of("type", "root");
    private static final Pattern PLUGIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    /** The default instances, each of the type of the same name. */
    public static final List<String> DEFAULT_PLUGINS = List.of("lcow", "cimfs");

    private ConfigLoader() {
    }

    /** The configuration used when no file is given: defaults under the default root. */
    public static DaemonConfig defaults() {
        return parse("", Defaults.root(), "built-in defaults");
    }

    public static DaemonConfig load(Path file) {
        return load(file, Defaults.root());
    }

    /** Reads {@code file}; {@code defaultRoot} applies when the file sets no {@code root}. */
    public static DaemonConfig load(Path file, Path defaultRoot) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw LayerdException.invalidArgument("config %s: cannot read: %s", file, e.getMessage());
        }
        return parse(text, defaultRoot, file.toString());
    }

    /** Parses {@code text}; {@code defaultRoot} applies when the file sets no {@code root}. */
    public static DaemonConfig parse(String text, Path defaultRoot, String origin) {
        TomlParseResult toml = Toml.parse(text);
        if (toml.hasErrors()) {
            throw LayerdException.invalidArgument("config %s: %s", origin, toml.errors().get(0).toString());
        }
        rejectUnknown(toml, TOP_KEYS, origin, "");
        Object version = toml.get("version");
        if (version != null && !Long.valueOf(1).equals(version)) {
            throw LayerdException.invalidArgument("config %s: version = %s is not supported; this layerd reads version 1", origin, version);
        }
        Path root = path(toml, "root", origin).orElse(defaultRoot);
        Path address = Defaults.address(root);
        TomlTable grpc = table(toml, "grpc", origin);
        if (grpc != null) {
            rejectUnknown(grpc, GRPC_KEYS, origin, "grpc.");
            address = path(grpc, "address", origin).orElse(address);
        }
        List<PluginConfig> plugins = new ArrayList<>();
        TomlTable pluginTables = table(toml, "plugins", origin);
        if (pluginTables == null) {
            for (String name : DEFAULT_PLUGINS) {
                plugins.add(new PluginConfig(name, name, Defaults.pluginRoot(root, name), Map.of()));
            }
        } else {
            for (String name : pluginTables.keySet()) {
                if (!PLUGIN_NAME.matcher(name).matches()) {
                    throw LayerdException.invalidArgument("config %s: plugin name %s: use letters, digits, '_', '.', '-'", origin, name);
                }
                TomlTable section = table(pluginTables, name, origin);
                plugins.add(plugin(name, section, root, origin));
            }
        }
        return new DaemonConfig(root, address, plugins, serviceVm(table(toml, "servicevm", origin), origin),
                content(table(toml, "content", origin), origin));
    }

    private static ContentConfig content(TomlTable t, String origin) {
        if (t == null) {
            return ContentConfig.defaults();
        }
        rejectUnknown(t, CONTENT_KEYS, origin, "content.");
        return new ContentConfig(path(t, "containerd_address", origin).orElse(null));
    }

    private static ServiceVmConfig serviceVm(TomlTable t, String origin) {
        ServiceVmConfig d = ServiceVmConfig.defaults();
        if (t == null) {
            return d;
        }
        rejectUnknown(t, SERVICEVM_KEYS, origin, "servicevm.");
        String mode = string(t, "mode", origin, d.mode());
        if (!mode.equals("global") && !mode.equals("per-instance")) {
            throw LayerdException.invalidArgument("config %s: servicevm.mode = %s: use \"global\" or \"per-instance\"", origin, mode);
        }
        String accelerator = string(t, "accelerator", origin, d.accelerator());
        if (!Set.of("auto", "kvm", "tcg").contains(accelerator)) {
            throw LayerdException.invalidArgument("config %s: servicevm.accelerator = %s: use \"auto\", \"kvm\" or \"tcg\"", origin, accelerator);
        }
        return new ServiceVmConfig(mode, path(t, "boot_files", origin).orElse(d.bootFiles()),
                (int) number(t, "memory_mb", origin, d.memoryMiB(), 128, 1 << 20),
                (int) number(t, "cpus", origin, d.cpus(), 1, 64), accelerator, string(t, "qemu", origin, d.qemu()),
                duration(t, "boot_timeout", origin, d.bootTimeout(), false),
                duration(t, "operation_timeout", origin, d.operationTimeout(), false),
                duration(t, "idle_shutdown", origin, d.idleShutdown(), true));
    }

    private static String string(TomlTable t, String key, String origin, String otherwise) {
        Object v = t.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw LayerdException.invalidArgument("config %s: servicevm.%s must be a non-empty string", origin, key);
        }
        return s;
    }

    private static long number(TomlTable t, String key, String origin, long otherwise, long min, long max) {
        Object v = t.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Long n) || n < min || n > max) {
            throw LayerdException.invalidArgument("config %s: servicevm.%s must be a whole number from %d to %d", origin, key, min, max);
        }
        return n;
    }

    /** "90s", "5m", "500ms", "1h"; zero only where {@code zeroAllowed}. */
    private static java.time.Duration duration(TomlTable t, String key, String origin, java.time.Duration otherwise, boolean zeroAllowed) {
        Object v = t.get(key);
        if (v == null) {
            return otherwise;
        }
        var m = v instanceof String s ? DURATION.matcher(s.trim()) : null;
        if (m == null || !m.matches()) {
            throw LayerdException.invalidArgument("config %s: servicevm.%s = %s: write a duration such as \"90s\", \"5m\" or \"500ms\"", origin, key, v);
        }
        long n = Long.parseLong(m.group(1));
        java.time.Duration d = switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            default -> java.time.Duration.ofHours(n);
        };
        if (d.isZero() && !zeroAllowed) {
            throw LayerdException.invalidArgument("config %s: servicevm.%s must be longer than zero", origin, key);
        }
        return d;
    }

    private static PluginConfig plugin(String name, TomlTable section, Path root, String origin) {
        String where = "plugins." + name;
        Object type = section.get("type");
        if (!(type instanceof String t) || t.isBlank()) {
            throw LayerdException.invalidArgument("config %s: [%s] needs type = \"lcow\" | \"cimfs\" | …", origin, where);
        }
        Path pluginRoot = path(section, "root", origin).orElse(Defaults.pluginRoot(root, name));
        Map<String, Object> options = new LinkedHashMap<>();
        for (String key : section.keySet()) {
            if (!PLUGIN_KEYS.contains(key)) {
                Object v = section.get(key);
                if (v instanceof TomlTable) {
                    throw LayerdException.invalidArgument("config %s: [%s.%s]: nested tables are not plugin options", origin, where, key);
                }
                options.put(key, v);
            }
        }
        return new PluginConfig(name, t, pluginRoot, options);
    }

    private static java.util.Optional<Path> path(TomlTable t, String key, String origin) {
        Object v = t.get(key);
        if (v == null) {
            return java.util.Optional.empty();
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw LayerdException.invalidArgument("config %s: %s must be a non-empty string path", origin, key);
        }
        Path p = Path.of(s);
        if (!p.isAbsolute()) {
            throw LayerdException.invalidArgument("config %s: %s = %s must be an absolute path", origin, key, s);
        }
        return java.util.Optional.of(p);
    }

    private static TomlTable table(TomlTable t, String key, String origin) {
        Object v = t.get(List.of(key));
        if (v == null) {
            return null;
        }
        if (!(v instanceof TomlTable table)) {
            throw LayerdException.invalidArgument("config %s: %s must be a table", origin, key);
        }
        return table;
    }

    private static void rejectUnknown(TomlTable t, Set<String> known, String origin, String prefix) {
        for (String key : t.keySet()) {
            if (!known.contains(key)) {
                throw LayerdException.invalidArgument("config %s: unknown key %s%s (known: %s)", origin, prefix, key,
                        new java.util.TreeSet<>(known));
            }
        }
    }
}
