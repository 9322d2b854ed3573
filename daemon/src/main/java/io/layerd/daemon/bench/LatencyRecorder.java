package io.layerd.daemon.bench;

import java.util.Arrays;

/** Latencies of one operation, kept whole (a benchmark run holds at most a few million). */
final class LatencyRecorder {
    private long[] nanos = new long[1 << 12];
    private int count;

    void record(long n) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = n;
    }

    void addAll(LatencyRecorder other) {
        for (int i = 0; i < other.count; i++) {
            record(other.nanos[i]);
        }
    }

    int count() {
        return count;
    }

    /** The {@code q}-quantile (0..1) in microseconds, nearest-rank. */
    double quantileMicros(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * count) - 1;
        return sorted[Math.max(0, Math.min(count - 1, rank))] / 1000.0;
    }
}
