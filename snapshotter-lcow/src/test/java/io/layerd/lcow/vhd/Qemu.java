package io.layerd.lcow.vhd;

import org.junit.jupiter.api.Assumptions;

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

/** Runs qemu-img and qemu-io (Debian package qemu-utils) as an independent implementation of VHD/VHDX. */
final class Qemu {

    static final String INSTALL_HINT = "qemu-img/qemu-io not found: apt-get install -y qemu-utils";

    private Qemu() {
    }

    static Optional<Path> binary(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    /** Skips the calling test when qemu-utils is not installed. */
    static void assumeInstalled() {
        Assumptions.assumeTrue(binary("qemu-img").isPresent() && binary("qemu-io").isPresent(), INSTALL_HINT);
    }

    record Result(List<String> command, int exitCode, String output) {
        Result assertOk() {
            if (exitCode != 0) {
                throw new AssertionError(command + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }

        /** A top-level string member of {@code qemu-img info --output=json}. */
        String jsonString(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*\"([^\"]*)\"").matcher(output);
            if (!m.find()) {
                throw new AssertionError("no \"" + key + "\" in:\n" + output);
            }
            return m.group(1);
        }

        /** A top-level number member of {@code qemu-img info --output=json}. */
        long jsonLong(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*(\\d+)").matcher(output);
            if (!m.find()) {
                throw new AssertionError("no \"" + key + "\" in:\n" + output);
            }
            return Long.parseLong(m.group(1));
        }
    }

    static Result img(String... args) throws IOException, InterruptedException {
        return run("qemu-img", args);
    }

    static Result io(String... args) throws IOException, InterruptedException {
        return run("qemu-io", args);
    }

    /**
     * Verifies with {@code qemu-io -r} that {@code length} bytes at {@code offset} of the VHDX all equal
     * {@code pattern}; qemu-io exits 1 and prints "Pattern verification failed" otherwise.
     */
    static void assertPattern(Path vhdx, long offset, long length, int pattern)
            throws IOException, InterruptedException {
        Result r = io("-r", "-f", "vhdx", "-c", "read -P " + pattern + " " + offset + " " + length,
                vhdx.toString());
        if (r.exitCode() != 0 || r.output().contains("Pattern verification failed")
                || !r.output().contains("read " + length + "/" + length)) {
            throw new AssertionError("qemu-io does not read pattern 0x" + Integer.toHexString(pattern) + " at "
                    + offset + "+" + length + ":\n" + r.output());
        }
    }

    private static Result run(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary(tool).orElseThrow(() -> new IllegalStateException(INSTALL_HINT)).toString());
        command.addAll(List.of(args));
        return exec(command);
    }

    static Result exec(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(command, process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** Bytes the file occupies on disk ({@code st_blocks x 512}), via coreutils {@code stat}. */
    static long allocatedOnDisk(Path file) throws IOException, InterruptedException {
        Result r = exec(List.of("stat", "-c", "%b %B", file.toString())).assertOk();
        String[] parts = r.output().trim().split("\\s+");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
