package io.layerd.lcow.scratch;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Host programs the scratch tests check results with: e2fsprogs and qemu-utils. */
final class Tools {
    static final String INSTALL_HINT = "mke2fs, e2fsck or qemu-img not found: apt-get install -y e2fsprogs qemu-utils";

    private Tools() {
    }

    static void assumeInstalled() {
        Assumptions.assumeTrue(onPath("mke2fs") && onPath("e2fsck") && onPath("qemu-img"), INSTALL_HINT);
    }

    private static boolean onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        for (String dir : List.of("/sbin", "/usr/sbin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    record Result(List<String> command, int exitCode, String output) {
        Result assertOk() {
            if (exitCode != 0) {
                throw new AssertionError(command + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }

        long jsonLong(String key) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\\s*(\\d+)").matcher(output);
            if (!m.find()) {
                throw new AssertionError("no \"" + key + "\" in:\n" + output);
            }
            return Long.parseLong(m.group(1));
        }
    }

    static Result run(String... command) throws IOException {
        return run(List.of(command));
    }

    static Result run(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "") + ":/sbin:/usr/sbin");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            return new Result(command, p.waitFor(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + command, e);
        }
    }

    /** {@code qemu-img check} of a VHDX; throws unless it reports no errors. */
    static void assertQemuCheckClean(Path vhdx) throws IOException {
        run("qemu-img", "check", "-f", "vhdx", vhdx.toString()).assertOk();
    }

    static long virtualSize(Path vhdx) throws IOException {
        return run("qemu-img", "info", "-f", "vhdx", "--output=json", vhdx.toString()).assertOk().jsonLong("virtual-size");
    }

    /** Converts the VHDX to raw with qemu-img and runs {@code e2fsck -fn} on it; throws unless it is clean. */
    static String assertExt4Clean(Path vhdx) throws IOException {
        Path raw = vhdx.resolveSibling(vhdx.getFileName() + ".check.raw");
        try {
            run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", vhdx.toString(), raw.toString()).assertOk();
            return run("e2fsck", "-fn", raw.toString()).assertOk().output();
        } finally {
            Files.deleteIfExists(raw);
        }
    }
}
