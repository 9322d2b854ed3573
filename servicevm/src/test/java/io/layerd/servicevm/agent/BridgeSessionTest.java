package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Cancel;
import io.layerd.api.servicevm.v1.Frame;
import io.layerd.api.servicevm.v1.Hello;
import io.layerd.api.servicevm.v1.HelloReply;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.bridge.BridgeProtocol;
import io.layerd.servicevm.bridge.FrameCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bridge conversation with the real operations behind it: handshake, bad input that must
 * not end the session, deadlines, cancellation and requests in flight together.
 */
class BridgeSessionTest {
    @TempDir
    Path dir;

    @Test
    void handshakeAgreesOnTheVersionAndLimits() throws Exception {
        try (LoopbackBridge bridge = LoopbackBridge.start(operations()); BridgeClient client = bridge.client()) {
            HelloReply reply = client.handshake(Duration.ofSeconds(10));
            assertEquals(BridgeProtocol.VERSION, reply.getVersion());
            assertEquals(BridgeProtocol.MAX_FRAME_BYTES, reply.getMaxFrameBytes());
            assertEquals(BridgeProtocol.MAX_CHUNK_BYTES, reply.getMaxChunkBytes());
            assertEquals("layerd-agent/test", reply.getAgentVersion());
        }
    }

    @Test
    void aWrongVersionIsRefusedAndTheAgentWaitsForAnotherHello() throws Exception {
        try (LoopbackBridge bridge = LoopbackBridge.start(operations())) {
            FrameCodec codec = bridge.rawCodec();
            codec.write(hello(BridgeProtocol.VERSION + 1, BridgeProtocol.VERSION + 5));
            HelloReply refused = codec.read().getHelloReply();
            assertEquals("EPROTONOSUPPORT", refused.getError().getCode());
            assertEquals(93, refused.getError().getErrno());

            codec.write(Frame.newBuilder().setId(1).setRequest(Requests.ping()).build());
            assertEquals("EPROTO", codec.read().getResponse().getError().getCode(), "no requests before a successful Hello");

            codec.write(hello(BridgeProtocol.VERSION, BridgeProtocol.VERSION));
            assertEquals(BridgeProtocol.VERSION, codec.read().getHelloReply().getVersion());
            codec.write(Frame.newBuilder().setId(2).setRequest(Requests.ping()).build());
            Frame pong = codec.read();
            assertEquals(2, pong.getId());
            assertTrue(pong.getResponse().hasPing(), pong.toString());
        }
    }

    @Test
    void theClientSeesAWrongVersionAsEprotonosupport() throws Exception {
        try (LoopbackBridge bridge = LoopbackBridge.start(operations()); BridgeClient client = bridge.client()) {
            BridgeException e = assertThrows(BridgeException.class,
                    () -> client.handshake(7, 9, Duration.ofSeconds(10), Duration.ofMillis(250)));
            assertEquals("EPROTONOSUPPORT", e.code());
            assertTrue(bridge.agentServing());
        }
    }

    @Test
    void anOversizedFrameIsAnsweredAndSkipped() throws Exception {
        try (LoopbackBridge bridge = LoopbackBridge.start(operations())) {
            FrameCodec codec = bridge.rawCodec();
            codec.write(hello(BridgeProtocol.VERSION, BridgeProtocol.VERSION));
            codec.read();
            codec.writeRaw(new byte[BridgeProtocol.MAX_FRAME_BYTES + 1]);
            Frame error = codec.read();
            assertEquals(0, error.getId());
            assertEquals("EMSGSIZE", error.getResponse().getError().getCode());
            codec.writeRaw(new byte[]{(byte) 0xff, 0x01, 0x02});
            assertEquals("EPROTO", codec.read().getResponse().getError().getCode(), "a malformed frame is answered too");
            codec.write(Frame.newBuilder().setId(5).setRequest(Requests.ping()).build());
            assertTrue(codec.read().getResponse().hasPing(), "the stream is usable after both");
        }
    }

    @Test
    void theClientKeepsWorkingAfterItSentAnOversizedFrame() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.client.codec().writeRaw(new byte[BridgeProtocol.MAX_FRAME_BYTES + 4096]);
            assertTrue(agent.call(Requests.ping()).hasPing());
        }
    }

    @Test
    void aRequestPastItsDeadlineFailsWithEtimedout() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            // Had the deadline not cut the sleep short, it would have answered success.
            BridgeException e = agent.fails("ETIMEDOUT", Requests.sleep(30_000).setTimeoutMillis(200));
            assertTrue(e.getMessage().contains("timed out after 200 ms"), e.getMessage());
            assertTrue(agent.call(Requests.ping()).hasPing());
        }
    }

    @Test
    void cancelEndsARunningRequest() throws Exception {
        try (LoopbackBridge bridge = LoopbackBridge.start(operations())) {
            FrameCodec codec = bridge.rawCodec();
            codec.write(hello(BridgeProtocol.VERSION, BridgeProtocol.VERSION));
            codec.read();
            codec.write(Frame.newBuilder().setId(9).setRequest(Requests.sleep(30_000).setTimeoutMillis(60_000)).build());
            Thread.sleep(100);
            codec.write(Frame.newBuilder().setId(9).setCancel(Cancel.getDefaultInstance()).build());
            Frame answer = codec.read();
            assertEquals(9, answer.getId());
            // A sleep that ran to its end would have answered success, not ECANCELED.
            assertEquals("ECANCELED", answer.getResponse().getError().getCode());
        }
    }

    @Test
    void requestsInFlightRunAtTheSameTime() throws Exception {
        List<long[]> spans = Collections.synchronizedList(new ArrayList<>());
        try (AgentFixture agent = AgentFixture.start(dir, b -> { }, ops -> {
            Operation sleep = ops.forCase(Request.OpCase.SLEEP);
            return ops.register(Request.OpCase.SLEEP, (request, context) -> {
                long began = System.nanoTime();
                try {
                    return sleep.run(request, context);
                } finally {
                    spans.add(new long[]{began, System.nanoTime()});
                }
            });
        })) {
            ExecutorService callers = Executors.newFixedThreadPool(10);
            try {
                List<Future<Response>> calls = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    calls.add(callers.submit(() -> agent.call(Requests.sleep(300))));
                }
                for (Future<Response> f : calls) {
                    assertTrue(f.get().hasEmpty());
                }
            } finally {
                callers.shutdownNow();
            }
        }
        assertEquals(10, spans.size());
        long lastStart = spans.stream().mapToLong(s -> s[0]).max().orElseThrow();
        long firstEnd = spans.stream().mapToLong(s -> s[1]).min().orElseThrow();
        assertTrue(lastStart < firstEnd, "all ten sleeps were running at one moment: the last began "
                + (lastStart - firstEnd) / 1_000_000 + " ms after the first ended");
    }

    @Test
    void anUnsetOperationIsEnosys() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            agent.fails("ENOSYS", Request.newBuilder());
        }
    }

    /**
     * An operation that fails while the host is still uploading must not leave the session's
     * reader waiting for room in that request's chunk queue: later requests are still served.
     */
    @Test
    void anUploadTheOperationStopsReadingDoesNotStallTheSession() throws Exception {
        Operations ops = operations().register(Request.OpCase.WRITE_FILE, (request, context) -> {
            context.upload().read();
            Thread.sleep(500); // the host goes on sending until the queue is full
            throw new AgentException(Errno.ENOSPC, "the disk is full");
        });
        try (LoopbackBridge bridge = LoopbackBridge.start(ops); BridgeClient client = bridge.client()) {
            client.handshake(Duration.ofSeconds(10));
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                BridgeException e = assertThrows(BridgeException.class, () -> client.call(
                        Requests.writeFile("m", "f", 0644, 24 << 20).build(), Duration.ofSeconds(20),
                        new ByteArrayInputStream(new byte[24 << 20]), null));
                assertEquals("ENOSPC", e.code());
                assertTrue(client.call(Requests.ping().build(), Duration.ofSeconds(10)).hasPing());
            });
        }
    }

    private Operations operations() {
        return StandardOperations.create(AgentEnvironment.builder().mountRoot(dir.resolve("mounts")).build());
    }

    private static Frame hello(int min, int max) {
        return Frame.newBuilder().setHello(Hello.newBuilder().setMinVersion(min).setMaxVersion(max).setHost("test")).build();
    }
}
