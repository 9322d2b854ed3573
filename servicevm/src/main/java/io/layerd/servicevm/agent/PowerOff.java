package io.layerd.servicevm.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service VM's power-off: {@code sync}, then {@code poweroff -f} (or busybox's), which asks
 * the kernel directly rather than an init system the VM does not run. Written data reaches the
 * disks before the host sees the VM stop.
 */
final class PowerOff {
    private PowerOff() {
    }

    static Runnable system(List<Path> searchPath) {
        return () -> {
            run(searchPath, List.of("sync"), List.of("busybox", "sync"));
            AgentLog.line("powering off");
            run(searchPath, List.of("poweroff", "-f"), List.of("busybox", "poweroff", "-f"));
            AgentLog.line("power-off failed: neither poweroff nor busybox could be run");
        };
    }

    /** Runs the first command whose program exists; true when it exited 0. */
    @SafeVarargs
    private static boolean run(List<Path> searchPath, List<String>... alternatives) {
        for (List<String> command : alternatives) {
            Path program = searchPath.stream().map(d -> d.resolve(command.get(0)))
                    .filter(Files::isExecutable).findFirst().orElse(null);
            if (program == null) {
                continue;
            }
            List<String> argv = new ArrayList<>(command);
            argv.set(0, program.toString());
            try {
                Process p = new ProcessBuilder(argv).inheritIO().start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return true;
                }
                AgentLog.line(String.join(" ", argv) + " failed");
            } catch (IOException e) {
                AgentLog.line("cannot run " + String.join(" ", argv) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
