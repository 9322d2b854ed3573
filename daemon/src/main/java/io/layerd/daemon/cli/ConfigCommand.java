package io.layerd.daemon.cli;

import io.layerd.daemon.config.DefaultConfigText;
import io.layerd.daemon.config.Defaults;
import picocli.CommandLine.Command;

/** {@code layerd config default}: prints the commented default configuration. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Configuration helpers.",
        subcommands = ConfigCommand.DefaultCommand.class)
final class ConfigCommand {
    @Command(name = "default", mixinStandardHelpOptions = true, description = "Print the commented default TOML configuration.")
    static final class DefaultCommand implements Runnable {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().getOut().print(DefaultConfigText.render(Defaults.root()));
            spec.commandLine().getOut().flush();
        }
    }
}
