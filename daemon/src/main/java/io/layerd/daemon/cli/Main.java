package io.layerd.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code layerd}: the daemon and its command-line tools. */
@Command(name = "layerd", mixinStandardHelpOptions = true, version = "layerd " + io.layerd.daemon.grpc.AdminService.VERSION,
        description = "containerd snapshotter and differ plugins for Windows container layer formats (LCOW, CimFS).",
        subcommands = {ServeCommand.class, ConfigCommand.class, SnapshotCommand.class, PluginsCommand.class,
                ConvertCommand.class, CimCommand.class, VhdxCommand.class, ImageCommand.class, VmCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this without exiting). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Runs the command line writing to {@code out} and {@code err}. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorHandler());
    }
}
