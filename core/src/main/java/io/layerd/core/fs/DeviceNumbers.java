package io.layerd.core.fs;

/** glibc's split of a 64-bit dev_t: 12 bits of major and 20 of minor in the classic places, the rest above. */
public final class DeviceNumbers {
    private DeviceNumbers() {
    }

    /** gnu_dev_major: bits 8-19 and 32-63. */
    public static int major(long rdev) {
        return (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
    }

    /** gnu_dev_minor: bits 0-7 and 20-43. */
    public static int minor(long rdev) {
        return (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
    }

    /** gnu_dev_makedev. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }
}
