package io.layerd.tests.process;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.BlankScratchTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code layerd serve} as a separate process, started from the built runnable jar. */
final class DaemonProcess implements AutoCloseable {
    final Path root;
    final Path socket;
    final Path log;
    private final Process process;

    private DaemonProcess(Path root, Process process, Path log) {
        this.root = root;
        this.socket = root.resolve("layerd.sock");
        this.process = process;
        this.log = log;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("layerd.jar", "../daemon/target/layerd.jar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("runnable jar " + jar + " is missing: build with `mvn package` from the project root");
        }
        return jar;
    }

    /** Starts a daemon on {@code root} and waits until its health service says SERVING. */
    static DaemonProcess start(Path root, String... extraArgs) throws Exception {
        Files.createDirectories(root);
        BlankScratchTemplates.seed(root.resolve("snapshotters").resolve("lcow"));
        Path log = root.resolveSibling(root.getFileName() + "-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar().toString(), "serve", "--root", root.toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        DaemonProcess d = new DaemonProcess(root, p, log);
        d.awaitServing(Duration.ofSeconds(60));
        return d;
    }

    private void awaitServing(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("layerd exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(socket)) {
                try (DaemonChannel ch = new DaemonChannel(socket)) {
                    var r = HealthGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance());
                    if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                        return;
                    }
                } catch (RuntimeException notYet) {
                    // still starting
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("layerd did not serve within " + timeout + ":\n" + log());
    }

    /** kill -9: no shutdown hook runs, nothing is flushed or closed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then wait for the exit; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("layerd did not stop within 60 s of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
