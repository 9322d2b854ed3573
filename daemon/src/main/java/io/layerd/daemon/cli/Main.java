package io.layerd.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Arrays;

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
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line writing to {@code out} and {@code err}. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        if (isConvert(args)) {
            Integer code = ConvertFastPath.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            if (code != null) {
                return code;
            }
        }
        return execute(commandLine(args).setOut(out).setErr(err), args);
    }

    private static boolean isConvert(String... args) {
        return args.length > 0 && args[0].equals("convert");
    }

    private static int execute(CommandLine cl, String... args) {
        return cl.getCommand() instanceof Main ? cl.execute(args) : cl.execute(Arrays.copyOfRange(args, 1, args.length));
    }

    /**
     * The whole command tree, or for {@code convert} only its own command: building picocli's
     * model of every command costs about 0.3 s of a cold JVM, a fifth of converting a small layer,
     * and convert runs once per layer in scripts (its plain form skips picocli altogether:
     * {@link ConvertFastPath}).
     */
    private static CommandLine commandLine(String... args) {
        CommandLine cl;
        if (isConvert(args)) {
            cl = new CommandLine(new ConvertCommand());
            cl.setCommandName("layerd convert");
        } else {
            cl = new CommandLine(new Main());
        }
        return cl.setExecutionExceptionHandler(new ErrorHandler());
    }
}
