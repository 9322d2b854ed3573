package io.layerd.daemon;

import io.layerd.core.plugin.PluginConfig;
import io.layerd.daemon.config.DaemonConfig;
import io.layerd.lcow.LcowPlugin;
import io.layerd.lcow.vhd.VhdxFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Seeds every {@code lcow} instance of a test daemon with an unformatted default scratch
 * template, so that Prepare copies it instead of formatting one in a service VM: these tests are
 * about the Snapshots API, and a 20 GB format under emulation would take minutes per root.
 */
public final class BlankScratchTemplates {
    private BlankScratchTemplates() {
    }

    public static DaemonConfig seed(DaemonConfig config) {
        for (PluginConfig p : config.plugins()) {
            if (p.type().equals(LcowPlugin.TYPE)) {
                seed(p.root());
            }
        }
        return config;
    }

    public static void seed(Path lcowRoot) {
        Path template = lcowRoot.resolve("scratch.vhdx");
        try {
            Files.createDirectories(lcowRoot);
            if (!Files.exists(template)) {
                VhdxFile.create(template, 20L << 30).close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
