package io.layerd.lcow.verity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs cryptsetup's {@code veritysetup} (Debian package cryptsetup-bin) as an independent oracle. */
final class Veritysetup {

    static final String INSTALL_HINT = "veritysetup not found: apt-get install -y cryptsetup-bin";
    private static final Pattern ROOT_HASH = Pattern.compile("(?m)^Root hash:\\s*([0-9a-f]{64})\\s*$");

    private Veritysetup() {
    }

    /** The binary, looked up in PATH and in the sbin directories a non-root PATH may lack. */
    static Optional<Path> binary() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "veritysetup"));
                }
            }
        }
        candidates.add(Path.of("/usr/sbin/veritysetup"));
        candidates.add(Path.of("/sbin/veritysetup"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    record Result(int exitCode, String output) {
        /** The "Root hash:" line veritysetup format prints. */
        String rootHash() {
            Matcher m = ROOT_HASH.matcher(output);
            if (!m.find()) {
                throw new AssertionError("no Root hash line in veritysetup output:\n" + output);
            }
            return m.group(1);
        }
    }

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary().orElseThrow(() -> new IllegalStateException(INSTALL_HINT)).toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("veritysetup timed out: " + command);
        }
        return new Result(process.exitValue(), String.join(" ", command) + "\n"
                + new String(output, StandardCharsets.UTF_8));
    }
}
