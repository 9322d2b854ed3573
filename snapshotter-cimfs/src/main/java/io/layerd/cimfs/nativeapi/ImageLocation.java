package io.layerd.cimfs.nativeapi;

import java.nio.file.Path;

/**
 * Where an image is, in the two parts CimFS takes: the containing path — the directory of a
 * standard CIM, or the block device / single file holding a block CIM — and the image's name in it.
 */
public record ImageLocation(Path containing, String name) {
    public ImageLocation {
        if (name.isEmpty() || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("an image name is one file name: \"" + name + "\"");
        }
    }

    /** A standard CIM by its {@code .cim} file: its directory and file name. */
    public static ImageLocation of(Path cim) {
        Path absolute = cim.toAbsolutePath().normalize();
        return new ImageLocation(absolute.getParent(), absolute.getFileName().toString());
    }

    @Override
    public String toString() {
        return NativePaths.hostPath(containing) + " " + name;
    }
}
