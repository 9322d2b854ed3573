package io.layerd.daemon.cli;

import io.layerd.daemon.client.DaemonChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code layerd plugins}: the plugin instances a running daemon serves. */
@Command(name = "plugins", mixinStandardHelpOptions = true, description = "List the plugin instances of a running daemon.")
final class PluginsCommand implements Runnable {
    @Mixin
    AddressOption address;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        try (DaemonChannel ch = new DaemonChannel(address.address)) {
            Table table = new Table("NAME", "TYPE", "ROOT");
            new AdminClient(ch.channel()).plugins().forEach(p -> table.row(p.getName(), p.getType(), p.getRoot()));
            table.print(spec.commandLine().getOut());
        }
    }
}
