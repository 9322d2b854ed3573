package io.layerd.servicevm.qemu;

import io.layerd.servicevm.bridge.BridgeProtocol;
import io.layerd.servicevm.hypervisor.Hypervisor;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service VMs under QEMU (Linux hosts): {@code -nodefaults -nographic}, the serial console to a
 * file, QMP and the bridge's virtio-serial port on unix sockets in the VM's runtime directory,
 * and an empty virtio-scsi controller for hot-plugged disks. KVM when it really works here, else
 * TCG ({@link AcceleratorProbe}).
 */
public final class QemuHypervisor implements Hypervisor {
    static final String QMP_SOCKET = "qmp.sock";
    static final String BRIDGE_SOCKET = "bridge.sock";
    static final String CONSOLE_LOG = "console.log";
    static final String PID_FILE = "qemu.pid";
    /** Unix socket paths longer than this do not fit in sockaddr_un. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Logger log = LoggerFactory.getLogger(QemuHypervisor.class);

    private final QemuOptions options;
    private final AcceleratorProbe probe;

    public QemuHypervisor(QemuOptions options) {
        this.options = options;
        this.probe = new AcceleratorProbe(options);
    }

    @Override
    public String name() {
        return "qemu";
    }

    /** The accelerator VMs get ("kvm" or "tcg"), probing once if needed. */
    public String accelerator(VmConfig config) throws IOException {
        return probe.choose(config);
    }

    @Override
    public VirtualMachine start(VmConfig config) throws IOException {
        for (Path boot : List.of(config.kernel(), config.initrd())) {
            if (!Files.isRegularFile(boot)) {
                throw new IOException("boot file " + boot + " is missing: build the boot files with scripts/build-bootfiles.sh");
            }
        }
        Path dir = config.runtimeDir().toAbsolutePath();
        Files.createDirectories(dir);
        Path qmp = dir.resolve(QMP_SOCKET);
        if (qmp.toString().length() > MAX_SOCKET_PATH) {
            throw new IOException("runtime directory " + dir + " is too long for unix sockets (" + MAX_SOCKET_PATH + " bytes at most)");
        }
        for (String stale : List.of(QMP_SOCKET, BRIDGE_SOCKET, PID_FILE)) {
            Files.deleteIfExists(dir.resolve(stale));
        }
        String accelerator = probe.choose(config);
        List<String> command = commandLine(config, accelerator);
        log.info("starting service VM {} ({}, {} MiB, {} CPU): {}", config.id(), accelerator, config.memoryMiB(), config.cpus(),
                String.join(" ", command));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.out").toFile())).start();
        try {
            QmpClient client = connectQmp(process, waitForSocket(process, qmp, Duration.ofSeconds(30)), Duration.ofSeconds(30));
            return new QemuVirtualMachine(config, accelerator, process, client, dir);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw new IOException("QEMU did not start service VM " + config.id() + ": " + e.getMessage() + " (see " + dir.resolve("qemu.out") + ")", e);
        }
    }

    /**
     * A runtime directory whose {@code qemu.pid} names a live QEMU process started for that very
     * directory (its command line mentions it) is an orphan: kill it. A pid reused by an
     * unrelated process does not match and is left alone. Every runtime directory is removed.
     */
    @Override
    public int cleanupOrphans(Path runtimeRoot) throws IOException {
        if (!Files.isDirectory(runtimeRoot)) {
            return 0;
        }
        int stopped = 0;
        try (var dirs = Files.list(runtimeRoot)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Path pidFile = dir.resolve(PID_FILE);
                if (Files.isRegularFile(pidFile)) {
                    String text = Files.readString(pidFile).trim();
                    if (text.matches("[0-9]{1,10}") && OrphanProcesses.killIfStartedFor(Long.parseLong(text), dir)) {
                        stopped++;
                        log.warn("stopped orphaned service VM process {} of {}", text, dir);
                    }
                }
                OrphanProcesses.deleteTree(dir);
            }
        }
        return stopped;
    }

    List<String> commandLine(VmConfig config, String accelerator) {
        Path dir = config.runtimeDir().toAbsolutePath();
        List<String> c = new ArrayList<>(List.of(options.binary(), "-name", "layerd-" + config.id(), "-accel",
                accelerator.equals("tcg") ? "tcg,thread=multi" : "kvm"));
        if (accelerator.equals("kvm")) {
            c.addAll(List.of("-cpu", "host"));
        }
        c.addAll(List.of("-nodefaults", "-nographic", "-no-reboot", "-no-user-config",
                "-m", Integer.toString(config.memoryMiB()), "-smp", Integer.toString(config.cpus()),
                "-kernel", config.kernel().toString(), "-initrd", config.initrd().toString(),
                "-append", ("console=ttyS0 panic=-1 quiet layerd.transport=virtio " + config.kernelArgs()).trim(),
                "-serial", "file:" + dir.resolve(CONSOLE_LOG),
                "-qmp", "unix:" + dir.resolve(QMP_SOCKET) + ",server=on,wait=off",
                "-device", "virtio-serial-pci,id=vser0",
                "-chardev", "socket,id=bridge,path=" + dir.resolve(BRIDGE_SOCKET) + ",server=on,wait=off",
                "-device", "virtserialport,bus=vser0.0,chardev=bridge,name=" + BridgeProtocol.VIRTIO_PORT_NAME,
                "-device", "virtio-scsi-pci,id=scsi0",
                "-device", "virtio-rng-pci",
                "-pidfile", dir.resolve(PID_FILE).toString()));
        return c;
    }

    /**
     * QEMU creates the socket file when it binds, a moment before it listens: a refused connection
     * right after start is retried until QEMU accepts, exits, or the timeout passes.
     */
    private static QmpClient connectQmp(Process process, Path socket, Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return QmpClient.connect(socket, timeout);
            } catch (java.net.ConnectException e) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
        }
    }

    private static Path waitForSocket(Process process, Path socket, Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive()) {
                throw new IOException("QEMU exited with status " + process.exitValue());
            }
            if (System.nanoTime() > end) {
                throw new IOException("QEMU created no QMP socket within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        return socket;
    }
}
