package io.layerd.core.snapshot;

/** Disk resources held by one snapshot itself, excluding its parents. */
public record Usage(long size, long inodes) {
    public static final Usage ZERO = new Usage(0, 0);
}
