package io.layerd.servicevm.qemu;

import com.google.gson.JsonObject;
import io.layerd.servicevm.hypervisor.BridgeTransport;
import io.layerd.servicevm.hypervisor.DiskAttachment;
import io.layerd.servicevm.hypervisor.DiskFormat;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One QEMU process. Disks go on the virtio-scsi controller, one SCSI target each, LUN 0. */
final class QemuVirtualMachine implements VirtualMachine {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_TARGETS = 255;
    private static final Logger log = LoggerFactory.getLogger(QemuVirtualMachine.class);

    private final VmConfig config;
    private final String accelerator;
    private final Process process;
    private final QmpClient qmp;
    private final Path dir;
    private final Map<Integer, DiskAttachment> disksByTarget = new TreeMap<>();
    private final CompletableFuture<Void> exited;

    QemuVirtualMachine(VmConfig config, String accelerator, Process process, QmpClient qmp, Path dir) {
        this.config = config;
        this.accelerator = accelerator;
        this.process = process;
        this.qmp = qmp;
        this.dir = dir;
        this.exited = process.onExit().thenApply(p -> null);
    }

    @Override
    public String id() {
        return config.id();
    }

    @Override
    public String accelerator() {
        return accelerator;
    }

    @Override
    public Path consoleLog() {
        return dir.resolve(QemuHypervisor.CONSOLE_LOG);
    }

    /** The QEMU process id, for status output. */
    long pid() {
        return process.pid();
    }

    @Override
    public BridgeTransport connectBridge(Duration timeout) throws IOException {
        Path socket = dir.resolve(QemuHypervisor.BRIDGE_SOCKET);
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return UnixSocketStreams.connect(socket, "virtio-serial " + config.id());
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    throw new IOException("cannot connect to the bridge socket of service VM " + config.id() + ": " + e.getMessage(), e);
                }
                sleep(20);
            }
        }
    }

    @Override
    public synchronized DiskAttachment attach(Path image, DiskFormat format, boolean readOnly) throws IOException {
        if (!Files.isRegularFile(image)) {
            throw new IOException("cannot attach " + image + ": no such file");
        }
        int target = 0;
        while (disksByTarget.containsKey(target)) {
            target++;
        }
        if (target >= MAX_TARGETS) {
            throw new IOException("service VM " + config.id() + " already has " + MAX_TARGETS + " disks attached");
        }
        String node = "node-t" + target;
        String device = "disk-t" + target;
        JsonObject file = new JsonObject();
        file.addProperty("driver", "file");
        file.addProperty("filename", image.toAbsolutePath().toString());
        JsonObject blockdev = new JsonObject();
        blockdev.addProperty("driver", format == DiskFormat.VHDX ? "vhdx" : "raw");
        blockdev.addProperty("node-name", node);
        blockdev.addProperty("read-only", readOnly);
        blockdev.add("file", file);
        qmp.execute("blockdev-add", blockdev, QMP_TIMEOUT);
        JsonObject dev = new JsonObject();
        dev.addProperty("driver", "scsi-hd");
        dev.addProperty("id", device);
        dev.addProperty("bus", "scsi0.0");
        dev.addProperty("channel", 0);
        dev.addProperty("scsi-id", target);
        dev.addProperty("lun", 0);
        dev.addProperty("drive", node);
        try {
            qmp.execute("device_add", dev, QMP_TIMEOUT);
        } catch (IOException e) {
            deleteNode(node);
            throw e;
        }
        DiskAttachment disk = new DiskAttachment(image, format, readOnly, target, 0, device);
        disksByTarget.put(target, disk);
        log.debug("VM {}: attached {} ({}, {}) as SCSI target {}", config.id(), image, format, readOnly ? "ro" : "rw", target);
        return disk;
    }

    @Override
    public synchronized void detach(DiskAttachment disk) throws IOException {
        if (disksByTarget.get(disk.target()) != disk) {
            throw new IOException("disk " + disk.image() + " is not attached to service VM " + config.id());
        }
        JsonObject args = new JsonObject();
        args.addProperty("id", disk.handle());
        CompletableFuture<JsonObject> deleted = qmp.expectEvent("DEVICE_DELETED",
                d -> d.has("device") && d.get("device").getAsString().equals(disk.handle()));
        qmp.execute("device_del", args, QMP_TIMEOUT);
        try {
            deleted.get(QMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("service VM " + config.id() + " did not release " + disk.image() + " within " + QMP_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        }
        deleteNode("node-t" + disk.target());
        disksByTarget.remove(disk.target());
    }

    private void deleteNode(String node) throws IOException {
        JsonObject args = new JsonObject();
        args.addProperty("node-name", node);
        qmp.execute("blockdev-del", args, QMP_TIMEOUT);
    }

    @Override
    public synchronized List<DiskAttachment> disks() {
        return new ArrayList<>(disksByTarget.values());
    }

    @Override
    public CompletableFuture<Void> exited() {
        return exited;
    }

    @Override
    public boolean isRunning() {
        return process.isAlive();
    }

    @Override
    public void stop(Duration grace) throws IOException {
        if (process.isAlive()) {
            try {
                qmp.execute("quit", null, Duration.ofSeconds(5));
            } catch (IOException e) {
                // QEMU may close the socket before answering: the wait below decides
            }
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        qmp.close();
    }

    @Override
    public void close() throws IOException {
        try {
            stop(Duration.ofSeconds(5));
        } finally {
            for (String f : List.of(QemuHypervisor.QMP_SOCKET, QemuHypervisor.BRIDGE_SOCKET, QemuHypervisor.PID_FILE)) {
                Files.deleteIfExists(dir.resolve(f));
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }
}
