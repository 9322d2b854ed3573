package io.layerd.tests.servicevm;

import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.servicevm.hypervisor.VmConfig;
import io.layerd.servicevm.manager.Lifetime;
import io.layerd.servicevm.manager.ManagerSettings;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.servicevm.qemu.QemuHypervisor;
import io.layerd.servicevm.qemu.QemuOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the service VM tests share: the boot files the build made (scripts/build-bootfiles.sh,
 * run by the servicevm module's package phase), QEMU with the accelerator probed once per
 * machine, and finding the QEMU processes of a runtime directory.
 */
public final class VmFixture {
    /** The KVM probe's answer outlives a test run: it costs a timed-out boot where KVM hangs. */
    static final Path ACCELERATOR_CACHE = Path.of("/var/tmp/layerd-test-accelerator");

    private VmFixture() {
    }

    /**
     * The {@code [servicevm]} section for a test daemon: the same small VM as {@link #manager}, and
     * the accelerator the probe already found here so the daemon does not probe KVM again.
     */
    public static String daemonConfigSection() throws IOException {
        String accelerator = "auto";
        if (Files.isRegularFile(ACCELERATOR_CACHE)) {
            List<String> lines = Files.readAllLines(ACCELERATOR_CACHE);
            String first = lines.isEmpty() ? "" : lines.get(0).trim();
            if (first.equals("kvm") || first.equals("tcg")) {
                accelerator = first;
            }
        }
        return "[servicevm]\nmemory_mb = 512\ncpus = 1\nboot_timeout = \"3m\"\naccelerator = \"" + accelerator + "\"\n";
    }

    static Path bootFiles() {
        String env = System.getenv("LAYERD_BOOTFILES");
        Path dir = Path.of(env != null && !env.isBlank() ? env : System.getProperty("layerd.bootfiles", "/var/cache/layerd/LinuxBootFiles"));
        if (!Files.isRegularFile(dir.resolve(VmConfig.KERNEL)) || !Files.isRegularFile(dir.resolve(VmConfig.INITRD))) {
            throw new IllegalStateException("no boot files in " + dir + ": the servicevm module's package phase builds them "
                    + "(scripts/build-bootfiles.sh)");
        }
        return dir;
    }

    static QemuHypervisor qemu() {
        return new QemuHypervisor(new QemuOptions(null, QemuOptions.Accelerator.AUTO, ACCELERATOR_CACHE, Duration.ofSeconds(15)));
    }

    /** TCG on two host cores is slow to boot a JVM: generous timeouts, one CPU and 512 MiB per VM. */
    static ServiceVmManager manager(Lifetime lifetime, Path runtimeRoot) throws IOException {
        return new ServiceVmManager(qemu(), new ManagerSettings(lifetime, bootFiles(), runtimeRoot, 512, 1,
                Duration.ofMinutes(3), Duration.ofMinutes(2), Duration.ZERO, ""));
    }

    static Response call(ServiceVmLease lease, Request.Builder request) throws IOException {
        return lease.call(request.build());
    }

    /** Live processes whose command line mentions {@code dir} (QEMU names its sockets there). */
    public static List<ProcessHandle> processesUsing(Path dir) {
        String needle = dir.toAbsolutePath().toString() + "/";
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8)
                        .replace('\0', ' ');
                if (cmd.startsWith("qemu-system") && cmd.contains(needle)) {
                    found.add(p);
                }
            } catch (IOException e) {
                // exited meanwhile
            }
        });
        return found;
    }

    static void awaitExit(List<ProcessHandle> processes, Duration timeout) throws Exception {
        for (ProcessHandle p : processes) {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Runs a host program, returning its exit code and output. */
    static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8));
    }

    record Result(int exit, String output) {
    }
}
