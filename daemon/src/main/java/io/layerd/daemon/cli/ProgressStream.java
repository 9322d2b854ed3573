package io.layerd.daemon.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the input bytes consumed (compressed, as stored) for a {@link ProgressBar}. */
final class ProgressStream extends FilterInputStream {
    private final ProgressBar bar;
    private long count;

    ProgressStream(InputStream in, ProgressBar bar) {
        super(in);
        this.bar = bar;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count += n;
            bar.update(count);
        }
        return n;
    }
}
