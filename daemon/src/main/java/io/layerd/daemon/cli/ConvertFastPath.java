package io.layerd.daemon.cli;

import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.ext4.Ext4Writer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Runs the common {@code layerd convert} to a {@code layer.vhd} without picocli. Building
 * picocli's model of even the one command costs a cold JVM about 0.2 s of its own and keeps a
 * compiler thread busy for longer (annotation proxies), more than a small layer takes to convert;
 * convert runs once per layer in scripts.
 *
 * <p>Only plainly spelled, valid arguments are taken here ({@code -i X}, {@code --input X},
 * {@code --input=X}, the flags, {@code --max-size}, {@code --format vhd}). Anything else (help,
 * a repeated or unknown option, a missing value, a bad size, {@code @file}, the cim format) is
 * declined and left to {@link ConvertCommand}, so usage errors and help read exactly as before.
 */
final class ConvertFastPath {
    private String input;
    private Path output;
    private boolean keepWhiteouts;
    private boolean verity;
    private boolean inlineData;
    private boolean noFooter;
    private long maxSize = Ext4Writer.Options.DEFAULT_MAX_DISK_SIZE;
    private final Set<String> seen = new HashSet<>();

    private ConvertFastPath() {
    }

    /**
     * Converts when {@code args} (those after {@code convert}) are all understood here, returning
     * the exit code; {@code null} when declined, nothing having been done.
     */
    static Integer run(String[] args, PrintWriter out, PrintWriter err) {
        VhdConversion conversion = parse(args);
        if (conversion == null) {
            return null;
        }
        try {
            return conversion.run(out, err);
        } catch (Exception e) {
            err.println("layerd: " + ErrorHandler.message(e));
            return 1;
        }
    }

    /** The conversion {@code args} ask for, or {@code null} if they are not all plainly valid. */
    static VhdConversion parse(String[] args) {
        ConvertFastPath p = new ConvertFastPath();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            String canonical = canonical(name);
            if (canonical == null || !p.seen.add(canonical)) {
                return null;
            }
            if (takesValue(canonical)) {
                if (value == null) {
                    if (i + 1 >= args.length || canonical(args[i + 1]) != null) {
                        return null;
                    }
                    value = args[++i];
                }
                if (!p.accept(canonical, value)) {
                    return null;
                }
            } else if (value != null || !p.flag(canonical)) {
                return null;
            }
        }
        if (p.input == null || p.output == null) {
            return null;
        }
        var options = new LayerVhdWriter.Options(!p.keepWhiteouts, p.verity, !p.noFooter, new Ext4Writer.Options(p.maxSize, p.inlineData));
        return new VhdConversion(p.input, p.output, options);
    }

    /** The long name of an option taken here, or {@code null}. */
    private static String canonical(String name) {
        return switch (name) {
            case "-i", "--input" -> "--input";
            case "-o", "--output" -> "--output";
            case "--max-size", "--format", "--no-whiteout-conversion", "--verity", "--inline-data", "--no-vhd-footer" -> name;
            default -> null;
        };
    }

    private static boolean takesValue(String option) {
        return option.equals("--input") || option.equals("--output") || option.equals("--max-size") || option.equals("--format");
    }

    private boolean accept(String option, String value) {
        if (value.isEmpty() || value.startsWith("@")) {
            return false;
        }
        switch (option) {
            case "--input" -> input = value;
            case "--output" -> {
                try {
                    output = Path.of(value);
                } catch (java.nio.file.InvalidPathException e) {
                    return false;
                }
            }
            case "--max-size" -> {
                try {
                    maxSize = SizeConverter.parse(value);
                } catch (IllegalArgumentException e) {
                    return false;
                }
            }
            case "--format" -> {
                return value.equals("vhd");
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private boolean flag(String option) {
        switch (option) {
            case "--no-whiteout-conversion" -> keepWhiteouts = true;
            case "--verity" -> verity = true;
            case "--inline-data" -> inlineData = true;
            case "--no-vhd-footer" -> noFooter = true;
            default -> {
                return false;
            }
        }
        return true;
    }
}
