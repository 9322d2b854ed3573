package io.layerd.servicevm.hypervisor;

import java.nio.file.Path;
import java.util.Locale;

/** Disk image formats a service VM can attach. */
public enum DiskFormat {
    /** A raw image, also a fixed VHD (a raw image with a 512-byte footer the guest ignores). */
    RAW,
    VHDX;

    /** By file name: {@code .vhdx} is VHDX, anything else raw. */
    public static DiskFormat of(Path image) {
        return image.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".vhdx") ? VHDX : RAW;
    }
}
