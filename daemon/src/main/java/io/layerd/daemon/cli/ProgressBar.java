package io.layerd.daemon.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar for terminals: silent for the first second (short jobs print nothing)
 * and never shown when the output is not a terminal, so logs and pipes stay clean.
 */
final class ProgressBar {
    private static final long DELAY_NANOS = 1_000_000_000L;
    private static final long REFRESH_NANOS = 200_000_000L;

    private final PrintWriter out;
    private final boolean enabled;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter out, boolean terminal, String label, long total) {
        this.out = out;
        this.enabled = terminal;
        this.label = label;
        this.total = total;
    }

    /** A "converting" bar over the bytes of {@code input} (a path, or {@code -}: standard input of unknown size). */
    static ProgressBar forInput(PrintWriter out, String input) throws java.io.IOException {
        long total = input.equals("-") ? -1 : java.nio.file.Files.size(java.nio.file.Path.of(input));
        return new ProgressBar(out, isTerminal(), "converting", total);
    }

    static boolean isTerminal() {
        return System.console() != null;
    }

    void update(long done) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - start < DELAY_NANOS || now - lastDraw < REFRESH_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = (now - start) / 1e9;
        String rate = SizeConverter.human((long) (done / seconds)) + "/s";
        String line;
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, done * width / total);
            line = String.format(Locale.ROOT, "\r%s [%s%s] %3d%% %s %s", label, "#".repeat(filled), " ".repeat(width - filled),
                    Math.min(100, done * 100 / total), SizeConverter.human(done), rate);
        } else {
            line = String.format(Locale.ROOT, "\r%s %s %s", label, SizeConverter.human(done), rate);
        }
        out.print(line);
        out.flush();
        drawn = true;
    }

    void finish() {
        if (drawn) {
            out.print("\r\033[K");
            out.flush();
        }
    }
}
