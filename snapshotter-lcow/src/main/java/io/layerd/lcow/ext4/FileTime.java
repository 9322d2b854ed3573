package io.layerd.lcow.ext4;

/**
 * A file time as ext4 stores it: seconds since the epoch and nanoseconds. ext4 keeps 34 bits of
 * seconds (low 32 in the base field, 2 epoch bits in the {@code *_extra} field next to 30 bits
 * of nanoseconds), so times are clamped to [-2^31, 2^34 - 2^31) seconds.
 */
public record FileTime(long seconds, int nanos) {
    public static final FileTime ZERO = new FileTime(0, 0);
    static final long MIN_SECONDS = Integer.MIN_VALUE;
    static final long MAX_SECONDS = 0x37fffffffL;

    public FileTime {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanos);
        }
        if (seconds < MIN_SECONDS) {
            seconds = MIN_SECONDS;
            nanos = 0;
        } else if (seconds > MAX_SECONDS) {
            seconds = MAX_SECONDS;
            nanos = 999_999_999;
        }
    }

    public static FileTime of(java.time.Instant t) {
        return t == null ? ZERO : new FileTime(t.getEpochSecond(), t.getNano());
    }

    /** The 32-bit base field. */
    int low() {
        return (int) seconds;
    }

    /** The {@code *_extra} field: epoch bits (seconds above 32 bits, offset by sign) and nanoseconds. */
    int extra() {
        long epoch = ((seconds - (long) (int) seconds) >> 32) & 3;
        return (int) (epoch | ((long) nanos << 2));
    }
}
