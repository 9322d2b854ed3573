package io.layerd.cimfs.wclayer;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the entries of a Windows layer tar go. Most go into the CIM under their tar path
 * ({@code Files\…}, {@code Hives\…}, {@code UtilityVM\…}); the registry hives and boot files a
 * later step rewrites go to the layer's host directory instead, as Windows' own importer does
 * (base layers' hives into the CIM as well).
 */
final class LayerPaths {
    static final String HIVES = "Hives";
    static final String LAYOUT = "layout";
    static final String LAYOUT_WITH_HIVES = "vhd-with-hives\n";
    static final String CONFIG_DIR = "Files/Windows/System32/config/";
    /** Hive file in Files\Windows\System32\config → its name under Hives\ (…_BASE, …_DELTA). */
    static final Map<String, String> HIVE_NAMES = Map.of("SYSTEM", "SYSTEM", "SOFTWARE", "SOFTWARE", "SAM", "SAM",
            "SECURITY", "SECURITY", "DEFAULT", "DEFAULTUSER");
    private static final Set<String> HOST_FILES = Set.of(
            "UTILITYVM/FILES/WINDOWS/SYSTEM32/CONFIG/SYSTEM", "UTILITYVM/FILES/WINDOWS/SYSTEM32/CONFIG/SOFTWARE",
            "UTILITYVM/FILES/EFI/MICROSOFT/BOOT/BCD", "UTILITYVM/FILES/EFI/MICROSOFT/BOOT/BOOTMGFW.EFI");

    private LayerPaths() {
    }

    /**
     * The entry's path relative to the layer root, '/'-separated, without "./" or a trailing '/';
     * refuses absolute paths and ".." (an entry must stay inside the layer).
     */
    static String normalize(String tarName) throws LayerImportException {
        String n = tarName.replace('\\', '/');
        if (n.startsWith("/") || (n.length() >= 2 && n.charAt(1) == ':')) {
            throw new LayerImportException(tarName, "an absolute path cannot be part of a layer");
        }
        StringBuilder out = new StringBuilder();
        for (String part : n.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new LayerImportException(tarName, "\"..\" would leave the layer");
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(part);
        }
        return out.toString();
    }

    /** The config hive a path names (SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT), or null. */
    static String configHive(String path) {
        if (path.length() <= CONFIG_DIR.length() || !path.regionMatches(true, 0, CONFIG_DIR, 0, CONFIG_DIR.length())) {
            return null;
        }
        String leaf = path.substring(CONFIG_DIR.length()).toUpperCase(Locale.ROOT);
        return HIVE_NAMES.containsKey(leaf) ? leaf : null;
    }

    /** The file name of a delta hive ({@code Hives/<X>_DELTA}), or null for any other path. */
    static String deltaHive(String path) {
        String upper = path.toUpperCase(Locale.ROOT);
        return upper.startsWith("HIVES/") && upper.indexOf('/', 6) < 0 && upper.endsWith("_DELTA") ? path.substring(6) : null;
    }

    /** Whether a regular file goes to the host directory (hives, boot files) rather than only into the CIM. */
    static boolean isHostFile(String path) {
        String upper = path.toUpperCase(Locale.ROOT);
        return configHive(path) != null || HOST_FILES.contains(upper) || (upper.startsWith("HIVES/") && upper.indexOf('/', 6) < 0);
    }

    static String toCim(String path) {
        return path.replace('/', '\\');
    }
}
