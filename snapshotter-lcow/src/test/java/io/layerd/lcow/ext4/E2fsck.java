package io.layerd.lcow.ext4;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs {@code e2fsck -fn} and insists on a clean bill: exit 0 and nothing but the pass headers. */
public final class E2fsck {
    private E2fsck() {
    }

    public static boolean available() {
        try {
            Process p = new ProcessBuilder("e2fsck", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    public static void assumeAvailable() {
        assumeTrue(available(), "e2fsck is not installed: apt-get install e2fsprogs (scripts/test.sh does)");
    }

    /** Asserts the image is clean; returns e2fsck's output for further checks. */
    public static String assertClean(Path image) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("e2fsck", "-fn", image.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "e2fsck timed out");
        List<String> unexpected = output.lines()
                .filter(l -> !l.startsWith("e2fsck ") && !l.matches("Pass \\d[A-Z]?: .*")
                        && !l.matches(".*: \\d+/\\d+ files \\(\\d+\\.\\d% non-contiguous\\), \\d+/\\d+ blocks"))
                .toList();
        assertEquals(List.of(), unexpected, "e2fsck -fn " + image + " said:\n" + output);
        assertEquals(0, p.exitValue(), "e2fsck exit code; output:\n" + output);
        return output;
    }
}
