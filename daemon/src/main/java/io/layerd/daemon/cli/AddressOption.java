package io.layerd.daemon.cli;

import io.layerd.daemon.config.Defaults;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --address}: the socket of a running daemon, for commands that talk to one. */
final class AddressOption {
    @Option(names = "--address", paramLabel = "SOCKET",
            description = "socket of the running daemon (default: ${DEFAULT-VALUE})")
    Path address = Defaults.address(Defaults.root());
}
