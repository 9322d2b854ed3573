package io.layerd.core.io;

import java.util.Random;

/**
 * {@code size} pseudo-random (incompressible, reproducible for one seed) bytes, generated as they
 * are read: benchmark and test inputs of any size without holding them in memory.
 */
public final class RandomBytesStream extends BulkInputStream {
    private final Random random;
    private long left;

    public RandomBytesStream(long size, long seed) {
        this.left = size;
        this.random = new Random(seed);
    }

    @Override
    protected int readBulk(byte[] b, int off, int len) {
        if (left == 0) {
            return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) random.nextInt(256);
        }
        left -= n;
        return n;
    }
}
