package io.layerd.core.snapshot;

/** Disk resources held by one snapshot itself, excluding its parents. */
public record Usage(long size, long inodes) {
    public static final Usage ZERO = new Usage(0, 0);

    public Usage plus(Usage other) {
        return new Usage(size + other.size, inodes + other.inodes);
    }
}
