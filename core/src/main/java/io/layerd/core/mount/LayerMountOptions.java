package io.layerd.core.mount;

import java.nio.file.Path;
import java.util.List;

/** Option names shared by the Windows-family mount types ({@code lcow-layer}, {@code CimFS}). */
public final class LayerMountOptions {
    public static final String READ_WRITE = "rw";
    public static final String READ_ONLY = "ro";
    /** Parent layer directories, topmost (immediate parent) first, as a Go JSON array. */
    public static final String PARENT_LAYER_PATHS = "parentLayerPaths=";

    private LayerMountOptions() {
    }

    public static String parentLayerPaths(List<Path> dirs) {
        return PARENT_LAYER_PATHS + GoJson.stringArray(dirs.stream().map(Path::toString).toList());
    }

    /** The directories of the {@code parentLayerPaths=} option among {@code options}; empty when absent or null. */
    public static List<Path> parentLayerPaths(String what, List<String> options) {
        for (String o : options) {
            if (o.startsWith(PARENT_LAYER_PATHS)) {
                try {
                    return GoJson.parseStringArray(o.substring(PARENT_LAYER_PATHS.length())).stream().map(Path::of).toList();
                } catch (IllegalArgumentException e) {
                    throw io.layerd.core.errors.LayerdException.invalidArgument("%s: bad %s option: %s", what, PARENT_LAYER_PATHS,
                            e.getMessage());
                }
            }
        }
        return List.of();
    }
}
