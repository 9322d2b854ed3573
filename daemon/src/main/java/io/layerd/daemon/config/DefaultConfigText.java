package io.layerd.daemon.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The commented default configuration printed by {@code layerd config default}. */
public final class DefaultConfigText {
    private DefaultConfigText() {
    }

    /** The template with the default root filled in for this user. */
    public static String render(Path root) {
        try (InputStream in = DefaultConfigText.class.getResourceAsStream("/io/layerd/daemon/config/default-config.toml")) {
            if (in == null) {
                throw new IllegalStateException("default-config.toml missing from the daemon jar");
            }
            String template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return template.replace("@ROOT@", root.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
