package io.layerd.servicevm.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finding and stopping QEMU processes of an earlier daemon run. */
final class OrphanProcesses {
    private OrphanProcesses() {
    }

    /** Kills {@code pid} if it is alive and its command line names {@code runtimeDir}; true if killed. */
    static boolean killIfStartedFor(long pid, Path runtimeDir) throws IOException {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return false;
        }
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        String args;
        try {
            args = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return false; // gone meanwhile
        }
        if (!args.contains(runtimeDir.toAbsolutePath().toString() + "/")) {
            return false;
        }
        handle.get().destroyForcibly();
        try {
            handle.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("orphaned QEMU process " + pid + " did not exit after SIGKILL", e);
        }
        return true;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
