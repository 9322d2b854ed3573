package io.layerd.daemon.cli;

import io.layerd.api.admin.v1.StoredSnapshot;
import io.layerd.daemon.client.DaemonChannel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** {@code layerd snapshot …}: snapshots as layerd stores them. */
@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Inspect snapshots of a running daemon and the files in them.",
        subcommands = {SnapshotCommand.ListCommand.class, SnapshotFilesCommands.Ls.class, SnapshotFilesCommands.Stat.class,
                SnapshotFilesCommands.Cat.class, SnapshotFilesCommands.CpIn.class, SnapshotFilesCommands.CpOut.class,
                SnapshotFilesCommands.Rm.class, SnapshotFilesCommands.Mv.class})
final class SnapshotCommand {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List snapshots as layerd stores them: id, kind, key, parent, directory.")
    static final class ListCommand implements Runnable {
        @Mixin
        AddressOption address;

        @Parameters(arity = "0..1", paramLabel = "SNAPSHOTTER", description = "instance name (default: all)")
        String snapshotter;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            try (DaemonChannel ch = new DaemonChannel(address.address)) {
                AdminClient admin = new AdminClient(ch.channel());
                List<String> names = new ArrayList<>();
                if (snapshotter != null) {
                    names.add(snapshotter);
                } else {
                    admin.plugins().forEach(p -> names.add(p.getName()));
                }
                Table table = new Table("SNAPSHOTTER", "ID", "KIND", "KEY", "PARENT", "DIRECTORY");
                for (String name : names) {
                    for (StoredSnapshot s : admin.storedSnapshots(name)) {
                        table.row(name, Long.toString(s.getId()), s.getKind(), s.getKey(), s.getParent(), s.getDirectory());
                    }
                }
                table.print(out);
            }
        }
    }
}
