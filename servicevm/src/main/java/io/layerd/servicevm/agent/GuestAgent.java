package io.layerd.servicevm.agent;

import io.layerd.servicevm.bridge.BridgeProtocol;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The main process of the service VM: reaches the host over the transport the kernel command
 * line names ({@code layerd.transport=virtio|vsock}, {@code layerd.bridge_port=<n>} for vsock)
 * and serves the bridge, connection after connection, for as long as the VM runs. Its log is
 * stderr, which is the VM's serial console; the line {@value #READY_LINE} marks that it is up.
 */
public final class GuestAgent {
    /** Printed once, when the first connection is open: the console log shows the agent is up. */
    public static final String READY_LINE = "layerd-agent ready";
    static final long RETRY_MILLIS = 200;

    private final HostLink link;
    private final Operations operations;
    private final String agentVersion;

    GuestAgent(HostLink link, Operations operations, String agentVersion) {
        this.link = link;
        this.operations = operations;
        this.agentVersion = agentVersion;
    }

    public static void main(String[] args) {
        try {
            KernelCommandLine cmdline = KernelCommandLine.read(Path.of("/proc/cmdline"));
            HostLink link = link(cmdline);
            String version = version();
            AgentEnvironment env = AgentEnvironment.builder().agentVersion(version).transport(link.transportName()).build();
            AgentLog.line("starting " + version + " over " + link.transportName());
            new GuestAgent(link, StandardOperations.create(env), version).run();
        } catch (InterruptedException e) {
            AgentLog.line("interrupted; exiting");
        } catch (RuntimeException e) {
            AgentLog.line("cannot start: " + e);
            System.exit(1);
        }
    }

    static HostLink link(KernelCommandLine cmdline) {
        String transport = cmdline.get("layerd.transport", "virtio");
        return switch (transport) {
            case "virtio" -> new VirtioSerialLink(Path.of("/sys"), Path.of("/dev"), BridgeProtocol.VIRTIO_PORT_NAME);
            case "vsock" -> new VsockLink(VsockLink.HOST_CID, cmdline.getNumber("layerd.bridge_port", BridgeProtocol.VSOCK_PORT));
            default -> throw new IllegalArgumentException("layerd.transport=" + transport + " is not a transport; use virtio or vsock");
        };
    }

    static String version() {
        String v = GuestAgent.class.getPackage().getImplementationVersion();
        return "layerd-agent/" + (v != null ? v : "dev");
    }

    /**
     * Serves one connection after another and returns only when interrupted: the host may
     * reconnect (after a restart of layerd) while the VM keeps running.
     */
    void run() throws InterruptedException {
        boolean announced = false;
        while (!Thread.currentThread().isInterrupted()) {
            HostLink.Connection connection;
            try {
                connection = link.connect();
            } catch (IOException e) {
                AgentLog.line("cannot reach the host over " + link.transportName() + ": " + e.getMessage());
                Thread.sleep(RETRY_MILLIS);
                continue;
            }
            if (!announced) {
                System.err.println(READY_LINE);
                announced = true;
            }
            AgentLog.line("serving " + connection.description());
            try (connection) {
                new AgentSession(connection.input(), connection.output(), operations, agentVersion).serve();
                AgentLog.line("the host left " + connection.description());
            } catch (IOException e) {
                AgentLog.line(connection.description() + " ended: " + e.getMessage());
            }
        }
        throw new InterruptedException();
    }
}
