package io.layerd.daemon.config;

import java.nio.file.Path;

/** Default locations: system-wide for root, per-user otherwise. */
public final class Defaults {
    public static final String SOCKET_NAME = "layerd.sock";

    private Defaults() {
    }

    public static Path root() {
        String override = System.getenv("LAYERD_ROOT");
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/layerd");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("layerd").toAbsolutePath();
    }

    public static Path address(Path root) {
        return root.resolve(SOCKET_NAME);
    }

    /** Where an instance keeps its snapshots unless its section sets {@code root}. */
    public static Path pluginRoot(Path root, String name) {
        return root.resolve("snapshotters").resolve(name);
    }
}
