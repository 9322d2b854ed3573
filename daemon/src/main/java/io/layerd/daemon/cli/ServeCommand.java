package io.layerd.daemon.cli;

import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.config.DaemonConfig;
import io.layerd.daemon.config.Defaults;
import io.layerd.daemon.server.Daemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code layerd serve}: runs the daemon until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the daemon: serve the configured snapshotters on the unix socket until SIGTERM/SIGINT.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "TOML config file (default: built-in defaults)")
    Path config;

    @Option(names = "--root", paramLabel = "DIR",
            description = "data root when the config sets none (default: $LAYERD_ROOT, /var/lib/layerd for root, else ~/.local/share/layerd)")
    Path root;

    @Override
    public Integer call() throws Exception {
        Path defaultRoot = root != null ? root.toAbsolutePath() : Defaults.root();
        DaemonConfig cfg = config != null ? ConfigLoader.load(config, defaultRoot) : ConfigLoader.parse("", defaultRoot, "built-in defaults");
        Daemon daemon = Daemon.start(cfg);
        // The JVM runs shutdown hooks on SIGTERM and SIGINT: stop gracefully there.
        Thread hook = new Thread(daemon::close, "layerd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        daemon.awaitTermination();
        return 0;
    }
}
