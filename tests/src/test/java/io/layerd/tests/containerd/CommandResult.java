package io.layerd.tests.containerd;

import java.time.Duration;
import java.util.List;

/** What one finished (or timed-out) command printed and how it exited. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr, Duration took, boolean timedOut) {

    public boolean ok() {
        return !timedOut && exitCode == 0;
    }

    /** stdout split into lines, without the trailing empty line. */
    public List<String> lines() {
        String s = stdout.endsWith("\n") ? stdout.substring(0, stdout.length() - 1) : stdout;
        return s.isEmpty() ? List.of() : List.of(s.split("\n", -1));
    }

    /** A multi-line account of the command for failure messages. */
    public String describe() {
        return "$ " + String.join(" ", command) + "\n"
                + "  exit " + (timedOut ? "TIMED OUT" : exitCode) + " after " + took.toMillis() + " ms\n"
                + "  stdout: " + indent(stdout) + "\n"
                + "  stderr: " + indent(stderr);
    }

    private static String indent(String s) {
        return s.isEmpty() ? "<empty>" : "\n    " + s.stripTrailing().replace("\n", "\n    ");
    }

    @Override
    public String toString() {
        return describe();
    }
}
