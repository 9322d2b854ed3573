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
}
