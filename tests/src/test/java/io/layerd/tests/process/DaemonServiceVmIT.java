package io.layerd.tests.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.tests.CliRun;
import io.layerd.tests.servicevm.VmFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service VM through the daemon as a person uses it ({@code layerd vm start|status|exec-op|stop}),
 * and the promise that no QEMU outlives the daemon: after {@code kill -9} of the daemon the next
 * start finds the orphaned VM and stops it.
 */
class DaemonServiceVmIT {
    @TempDir
    Path tmp;

    @Test
    void vmCommandsAndOrphanedVmsAreStoppedAtTheNextStart() throws Exception {
        Path root = Files.createTempDirectory("ldd"); // short: unix socket paths are limited to 107 bytes
        Path config = tmp.resolve("layerd.toml");
        Files.writeString(config, VmFixture.daemonConfigSection());
        String sock = root.resolve("layerd.sock").toString();
        try {
            List<ProcessHandle> qemu;
            try (DaemonProcess daemon = DaemonProcess.start(root, "--config", config.toString())) {
                CliRun start = CliRun.of("vm", "start", "--address", sock);
                assertEquals(0, start.exit(), start.text());
                assertTrue(start.out().contains("global-1") && start.out().contains("held by the CLI: cli"), start.text());
                CliRun status = CliRun.of("vm", "status", "--address", sock);
                assertTrue(status.out().matches("(?s).*global-1 +(kvm|tcg) .*"), status.text());
                CliRun ping = CliRun.of("vm", "exec-op", "--address", sock, "{\"info\":{}}");
                assertEquals(0, ping.exit(), ping.text());
                assertTrue(ping.out().contains("\"kernel\"") && ping.err().contains("served by global-1"), ping.text());
                CliRun bad = CliRun.of("vm", "exec-op", "--address", sock, "{\"format\":{\"device\":\"/dev/sdzz\"}}");
                assertEquals(1, bad.exit(), bad.text());
                assertTrue(bad.out().contains("ENODEV"), bad.text());

                qemu = VmFixture.processesUsing(root);
                assertEquals(1, qemu.size(), "one QEMU process");
                daemon.kill();
            }
            assertTrue(qemu.get(0).isAlive(), "kill -9 of the daemon leaves its VM running until the next start");
            try (DaemonProcess again = DaemonProcess.start(root, "--config", config.toString())) {
                qemu.get(0).onExit().get(30, TimeUnit.SECONDS);
                assertTrue(again.log().contains("left running by an earlier run"), again.log());
                CliRun status = CliRun.of("vm", "status", "--address", sock);
                assertTrue(status.out().contains("no service VM is running"), status.text());
                CliRun stop = CliRun.of("vm", "stop", "--address", sock);
                assertEquals(1, stop.exit(), "nothing is held after the restart: " + stop.text());
                assertEquals(143, again.terminate(), "SIGTERM: a graceful stop (128 + 15)");
            }
            assertTrue(VmFixture.processesUsing(root).isEmpty());
        } finally {
            new ProcessBuilder("rm", "-rf", root.toString()).start().waitFor();
        }
    }
}
