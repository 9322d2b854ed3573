package io.layerd.servicevm.manager;

import io.layerd.servicevm.hypervisor.SocketTransport;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.servicevm.agent.AgentEnvironment;
import io.layerd.servicevm.agent.AgentSession;
import io.layerd.servicevm.agent.Operation;
import io.layerd.servicevm.agent.Operations;
import io.layerd.servicevm.agent.StandardOperations;
import io.layerd.servicevm.hypervisor.BridgeTransport;
import io.layerd.servicevm.hypervisor.DiskAttachment;
import io.layerd.servicevm.hypervisor.DiskFormat;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A VM that is the real guest agent ({@link AgentSession} with the standard operations) served
 * in-process over a loopback TCP connection. TCP rather than piped streams, because piped streams
 * break when a writing thread ends and the agent answers from many short-lived threads.
 *
 * <p>The guest's sysfs and /dev live under {@code guestRoot}: attaching a disk creates the
 * {@code sys/block/sdX} entry with the SCSI address the hypervisor chose, as the guest kernel
 * would, so the manager's wait_for_device through the agent finds it. {@link #kill()} stands for
 * a crash; a shutdown request from the host powers the fake off as it would a real guest.
 */
final class FakeVirtualMachine implements VirtualMachine {
    private final VmConfig config;
    private final Path guestRoot;
    private final boolean silentAgent;
    private final Path consoleLog;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private final Map<Integer, DiskAttachment> disksByTarget = new TreeMap<>();
    private final List<Request.OpCase> requestsStarted = new CopyOnWriteArrayList<>();
    private final AtomicInteger attachCalls = new AtomicInteger();
    private final AtomicInteger detachCalls = new AtomicInteger();
    private volatile boolean running = true;
    private volatile boolean guestPoweredOff;
    private volatile boolean closed;
    private Socket hostEnd;
    private Socket guestEnd;

    FakeVirtualMachine(VmConfig config, Path guestRoot, boolean silentAgent) throws IOException {
        this.config = config;
        this.guestRoot = guestRoot;
        this.silentAgent = silentAgent;
        Files.createDirectories(guestRoot.resolve("sys/block"));
        Files.createDirectories(guestRoot.resolve("dev"));
        Files.createDirectories(guestRoot.resolve("proc"));
        this.consoleLog = config.runtimeDir().resolve("console.log");
        Files.writeString(consoleLog, "fake VM " + config.id() + " booted\n");
    }

    @Override
    public String id() {
        return config.id();
    }

    @Override
    public String accelerator() {
        return "fake";
    }

    @Override
    public Path consoleLog() {
        return consoleLog;
    }

    @Override
    public synchronized BridgeTransport connectBridge(Duration timeout) throws IOException {
        if (!running) {
            throw new IOException("fake VM " + id() + " is not running");
        }
        if (hostEnd != null) {
            throw new IOException("fake VM " + id() + " has only one bridge");
        }
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            hostEnd = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            guestEnd = server.accept();
        }
        hostEnd.setTcpNoDelay(true);
        guestEnd.setTcpNoDelay(true);
        if (!silentAgent) {
            serveAgent(guestEnd);
        }
        Socket host = hostEnd;
        return new SocketTransport(host, "loopback to fake VM " + id());
    }

    private void serveAgent(Socket guest) throws IOException {
        AgentEnvironment env = AgentEnvironment.builder()
                .sysfsRoot(guestRoot.resolve("sys"))
                .devRoot(guestRoot.resolve("dev"))
                .procRoot(guestRoot.resolve("proc"))
                .mountRoot(guestRoot.resolve("mounts"))
                // The default would power off the machine running the tests.
                .powerOff(this::guestPowerOff)
                .powerOffDelay(Duration.ofMillis(10))
                .agentVersion("layerd-agent/fake")
                .transport("fake")
                .build();
        AgentSession session = new AgentSession(guest.getInputStream(), guest.getOutputStream(),
                recordingStarts(StandardOperations.create(env)), "layerd-agent/fake");
        Thread agent = new Thread(() -> {
            try {
                session.serve();
            } catch (IOException e) {
                // the connection went away with the VM
            }
        }, "fake-vm-agent " + id());
        agent.setDaemon(true);
        agent.start();
    }

    /** The same operations, noting each request as it starts so a test can act while one is in flight. */
    private Operations recordingStarts(Operations standard) {
        Operations recording = new Operations();
        for (Request.OpCase opCase : Request.OpCase.values()) {
            Operation op = standard.forCase(opCase);
            if (op != null) {
                recording.register(opCase, (request, context) -> {
                    requestsStarted.add(opCase);
                    return op.run(request, context);
                });
            }
        }
        return recording;
    }

    /** Hot-plugs at the lowest free SCSI target and makes the disk appear in the guest's sysfs. */
    @Override
    public synchronized DiskAttachment attach(Path image, DiskFormat format, boolean readOnly) throws IOException {
        if (!running) {
            throw new IOException("fake VM " + id() + " is not running");
        }
        attachCalls.incrementAndGet();
        int target = 0;
        while (disksByTarget.containsKey(target)) {
            target++;
        }
        Path block = Files.createDirectories(sysBlock(target));
        Files.writeString(block.resolve("size"), "2048\n");
        Files.writeString(block.resolve("ro"), (readOnly ? "1" : "0") + "\n");
        Files.createSymbolicLink(block.resolve("device"), Path.of("../../../devices/platform/host0/0:0:" + target + ":0"));
        DiskAttachment disk = new DiskAttachment(image, format, readOnly, target, 0, "fake-disk-t" + target);
        disksByTarget.put(target, disk);
        return disk;
    }

    @Override
    public synchronized void detach(DiskAttachment disk) throws IOException {
        detachCalls.incrementAndGet();
        if (disksByTarget.get(disk.target()) != disk) {
            throw new IOException("disk " + disk.image() + " is not attached to fake VM " + id());
        }
        disksByTarget.remove(disk.target());
        Path block = sysBlock(disk.target());
        for (String entry : List.of("device", "size", "ro")) {
            Files.deleteIfExists(block.resolve(entry));
        }
        Files.deleteIfExists(block);
    }

    /** The guest's sysfs entry of the disk at {@code target}: sda for target 0, sdb for 1... */
    Path sysBlock(int target) {
        return guestRoot.resolve("sys/block").resolve("sd" + (char) ('a' + target));
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
        return running;
    }

    /** A crash: the VM is gone at once, the bridge with it, whatever was in flight. */
    void kill() {
        halt();
    }

    private void guestPowerOff() {
        guestPoweredOff = true;
        halt();
    }

    @Override
    public void stop(Duration grace) {
        halt();
    }

    @Override
    public void close() {
        halt();
        closed = true;
    }

    private void halt() {
        Socket host;
        Socket guest;
        synchronized (this) {
            running = false;
            host = hostEnd;
            guest = guestEnd;
        }
        for (Socket s : new Socket[] {host, guest}) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }
        exited.complete(null);
    }

    /** Whether the guest agent powered the VM off, i.e. the host asked for an orderly shutdown. */
    boolean guestPoweredOff() {
        return guestPoweredOff;
    }

    /** Whether the hypervisor's cleanup ran (after a stop, a failed boot or a crash). */
    boolean closed() {
        return closed;
    }

    int attachCalls() {
        return attachCalls.get();
    }

    int detachCalls() {
        return detachCalls.get();
    }

    /** Kinds of the requests the agent has started running, in order. */
    List<Request.OpCase> requestsStarted() {
        return List.copyOf(requestsStarted);
    }

    @Override
    public String toString() {
        return id() + (running ? " (running)" : " (stopped)");
    }
}
