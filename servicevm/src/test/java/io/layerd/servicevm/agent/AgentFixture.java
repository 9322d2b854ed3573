package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.bridge.BridgeException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The standard operations served in-process, in an environment under a temporary directory
 * ({@code sys/}, {@code dev/}, {@code mounts/}), with a handshaken {@link BridgeClient}.
 */
final class AgentFixture implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final Path root;
    final AgentEnvironment env;
    final LoopbackBridge bridge;
    final BridgeClient client;

    private AgentFixture(Path root, AgentEnvironment env, Operations operations) throws IOException {
        this.root = root;
        this.env = env;
        this.bridge = LoopbackBridge.start(operations);
        this.client = bridge.client();
        client.handshake(Duration.ofSeconds(10));
    }

    static AgentFixture start(Path root) throws IOException {
        return start(root, b -> { }, ops -> ops);
    }

    static AgentFixture start(Path root, Consumer<AgentEnvironment.Builder> customize) throws IOException {
        return start(root, customize, ops -> ops);
    }

    /** {@code wrap} may replace operations, e.g. to observe them. */
    static AgentFixture start(Path root, Consumer<AgentEnvironment.Builder> customize, UnaryOperator<Operations> wrap)
            throws IOException {
        AgentEnvironment.Builder b = AgentEnvironment.builder()
                .sysfsRoot(Files.createDirectories(root.resolve("sys")))
                .devRoot(Files.createDirectories(root.resolve("dev")))
                .mountRoot(root.resolve("mounts"))
                .powerOff(() -> {
                    throw new AssertionError("this test does not expect a power-off");
                });
        customize.accept(b);
        AgentEnvironment env = b.build();
        return new AgentFixture(root, env, wrap.apply(StandardOperations.create(env)));
    }

    Response call(Request.Builder request) throws IOException {
        return client.call(request.build(), TIMEOUT);
    }

    Response upload(Request.Builder request, byte[] data) throws IOException {
        return client.call(request.build(), TIMEOUT, new ByteArrayInputStream(data), null);
    }

    byte[] download(Request.Builder request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.call(request.build(), TIMEOUT, null, out);
        return out.toByteArray();
    }

    /** The call fails with errno {@code code}; the exception, to check its message. */
    BridgeException fails(String code, Request.Builder request) {
        BridgeException e = assertThrows(BridgeException.class, () -> call(request));
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    @Override
    public void close() throws IOException {
        client.close();
        bridge.close();
    }
}
