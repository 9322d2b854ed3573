package io.layerd.servicevm.agent;

import io.layerd.servicevm.hypervisor.SocketTransport;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.bridge.BridgeProtocol;
import io.layerd.servicevm.bridge.FrameCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * An agent session served in-process over a loopback TCP connection: the host end is a
 * {@link BridgeClient} or, for what a correct client never sends, a raw {@link FrameCodec}.
 * TCP rather than piped streams, because piped streams break when a writing thread ends and
 * the agent answers from many short-lived threads.
 */
final class LoopbackBridge implements AutoCloseable {
    private final Socket host;
    private final InputStream hostInput;
    private final OutputStream hostOutput;
    private final Socket agent;
    private final Thread serving;
    private volatile Throwable agentFailure;

    private LoopbackBridge(Socket host, Socket agent, Operations operations) throws IOException {
        this.host = host;
        this.hostInput = host.getInputStream();
        this.hostOutput = host.getOutputStream();
        this.agent = agent;
        this.serving = new Thread(() -> {
            try {
                new AgentSession(agent.getInputStream(), agent.getOutputStream(), operations, "layerd-agent/test").serve();
            } catch (Throwable t) {
                agentFailure = t;
            }
        }, "test-agent-session");
        serving.setDaemon(true);
        serving.start();
    }

    static LoopbackBridge start(Operations operations) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket host = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            Socket agent = server.accept();
            host.setTcpNoDelay(true);
            agent.setTcpNoDelay(true);
            return new LoopbackBridge(host, agent, operations);
        }
    }

    /** A host client on this connection (use it or {@link #rawCodec}, not both). */
    BridgeClient client() throws IOException {
        return new BridgeClient(new SocketTransport(host, "loopback " + host.getLocalSocketAddress()), () -> "the in-process agent stopped" + (agentFailure == null ? "" : ": " + agentFailure));
    }

    /** Frames written and read as they are, with no client in between. */
    FrameCodec rawCodec() {
        return new FrameCodec(hostInput, hostOutput, BridgeProtocol.MAX_FRAME_BYTES);
    }

    /** Whether the agent's session is still serving (it ends only when the host closes). */
    boolean agentServing() {
        return serving.isAlive();
    }

    @Override
    public void close() throws IOException {
        host.close();
        try {
            serving.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agent.close();
    }
}
