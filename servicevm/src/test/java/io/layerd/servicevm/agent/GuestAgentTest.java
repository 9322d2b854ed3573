package io.layerd.servicevm.agent;

import io.layerd.servicevm.hypervisor.SocketTransport;
import io.layerd.api.servicevm.v1.Frame;
import io.layerd.api.servicevm.v1.Hello;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.bridge.BridgeProtocol;
import io.layerd.servicevm.bridge.FrameCodec;
import io.layerd.servicevm.hypervisor.BridgeTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's main loop over a link whose connections the test opens and closes: the host
 * leaves and comes back, and the agent serves each connection in turn.
 */
class GuestAgentTest {
    @TempDir
    Path dir;

    /** Connections accepted on a loopback port; interrupting the agent's thread ends connect(). */
    static final class LoopbackLink implements HostLink {
        final ServerSocket server;

        LoopbackLink() throws IOException {
            server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
            server.setSoTimeout(100);
        }

        @Override
        public String transportName() {
            return "loopback";
        }

        @Override
        public Connection connect() throws IOException, InterruptedException {
            while (true) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                try {
                    Socket s = server.accept();
                    return new Connection(s.getInputStream(), s.getOutputStream(), "loopback " + s.getPort(), s);
                } catch (SocketTimeoutException e) {
                    // look at the interrupt flag again
                }
            }
        }

        Socket hostSide() throws IOException {
            return new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }
    }

    @Test
    void servesOneConnectionAfterAnother() throws Exception {
        LoopbackLink link = new LoopbackLink();
        Operations ops = StandardOperations.create(AgentEnvironment.builder().mountRoot(dir.resolve("mounts")).build());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread agent = new Thread(() -> {
            try {
                new GuestAgent(link, ops, "layerd-agent/test").run();
                ended.complete(null);
            } catch (Throwable t) {
                ended.complete(t);
            }
        }, "guest-agent");
        try {
            agent.start();
            // First host: leaves while a request is still running.
            try (Socket first = link.hostSide()) {
                FrameCodec codec = new FrameCodec(first.getInputStream(), first.getOutputStream(), BridgeProtocol.MAX_FRAME_BYTES);
                codec.write(Frame.newBuilder().setHello(Hello.newBuilder().setMinVersion(1).setMaxVersion(1)).build());
                assertEquals(BridgeProtocol.VERSION, codec.read().getHelloReply().getVersion());
                codec.write(Frame.newBuilder().setId(1).setRequest(Requests.sleep(60_000)).build());
            }
            // Second and third hosts: a fresh handshake and prompt answers each time.
            for (int i = 0; i < 2; i++) {
                try (Socket host = link.hostSide(); BridgeClient client = new BridgeClient(transport(host), () -> "agent gone")) {
                    client.handshake(Duration.ofSeconds(10));
                    assertTrue(client.call(Requests.ping().build(), Duration.ofSeconds(10)).hasPing());
                }
            }
            agent.interrupt();
            assertTrue(ended.get(10, TimeUnit.SECONDS) instanceof InterruptedException, "run() ends only when interrupted");
        } finally {
            agent.interrupt();
            System.setErr(originalErr);
            link.server.close();
        }
        String log = console.toString(StandardCharsets.UTF_8);
        assertEquals(1, log.lines().filter(GuestAgent.READY_LINE::equals).count(), "ready is announced once:\n" + log);
        assertEquals(3, log.lines().filter(l -> l.contains("serving loopback")).count(), log);
    }

    static BridgeTransport transport(Socket s) throws IOException {
        return new SocketTransport(s, "loopback");
    }
}
