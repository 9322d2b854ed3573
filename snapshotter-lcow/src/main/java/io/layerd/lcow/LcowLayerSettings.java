package io.layerd.lcow;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.plugin.PluginConfig;
import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.ext4.Ext4Writer;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an {@code lcow} instance writes layer files, from its {@code [plugins.<name>]} options:
 * {@code verity} (bool, default false) appends a dm-verity tree; {@code max_layer_size} (bytes as
 * a number, or text such as {@code "128G"} / {@code "512MiB"}; default 128 GiB as containerd's
 * differ) caps the ext4 image, and a layer that does not fit fails its Apply.
 */
public record LcowLayerSettings(boolean verity, long maxLayerSize) {
    public static final Set<String> OPTION_NAMES = Set.of("verity", "max_layer_size");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([KMGT]?)(?:I?B)?");

    public static LcowLayerSettings defaults() {
        return new LcowLayerSettings(false, Ext4Writer.Options.DEFAULT_MAX_DISK_SIZE);
    }

    /** Reads and checks the options of {@code config}; INVALID_ARGUMENT naming the option otherwise. */
    public static LcowLayerSettings of(PluginConfig config) {
        config.requireOnly(OPTION_NAMES);
        boolean verity = false;
        Object v = config.options().get("verity");
        if (v != null) {
            if (!(v instanceof Boolean b)) {
                throw LayerdException.invalidArgument("plugin %s: verity = %s: use true or false", config.name(), v);
            }
            verity = b;
        }
        long max = Ext4Writer.Options.DEFAULT_MAX_DISK_SIZE;
        Object m = config.options().get("max_layer_size");
        if (m != null) {
            max = size(config.name(), m);
        }
        return new LcowLayerSettings(verity, max);
    }

    private static long size(String plugin, Object value) {
        long bytes = -1;
        if (value instanceof Long n) {
            bytes = n;
        } else if (value instanceof String s) {
            Matcher mm = SIZE.matcher(s.trim().toUpperCase(Locale.ROOT));
            if (mm.matches()) {
                int shift = switch (mm.group(2)) {
                    case "K" -> 10;
                    case "M" -> 20;
                    case "G" -> 30;
                    case "T" -> 40;
                    default -> 0;
                };
                try {
                    bytes = Math.multiplyExact(Long.parseLong(mm.group(1)), 1L << shift);
                } catch (ArithmeticException | NumberFormatException e) {
                    bytes = -1;
                }
            }
        }
        if (bytes <= 0) {
            throw LayerdException.invalidArgument("plugin %s: max_layer_size = %s: write a size such as \"128G\", \"512M\" or a byte count",
                    plugin, value);
        }
        return bytes;
    }

    /** Writer options for a layer of an instance with these settings: whiteouts converted, VHD footer. */
    public LayerVhdWriter.Options writerOptions() {
        return new LayerVhdWriter.Options(true, verity, true, new Ext4Writer.Options(maxLayerSize, false));
    }
}
