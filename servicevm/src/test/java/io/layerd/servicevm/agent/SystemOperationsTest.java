package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.InfoResponse;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.ShutdownRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ping, info, sleep and shutdown, against a /proc written by the test and a power-off that only counts. */
class SystemOperationsTest {
    @TempDir
    Path dir;

    @Test
    void pingReportsTheAgentsUptime() throws Exception {
        long startedFiveSecondsAgo = System.nanoTime() - TimeUnit.SECONDS.toNanos(5);
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.startNanos(startedFiveSecondsAgo))) {
            long uptime = agent.call(Requests.ping()).getPing().getAgentUptimeMillis();
            assertTrue(uptime >= 5_000 && uptime < 60_000, "uptime " + uptime + " ms");
        }
    }

    @Test
    void infoDescribesTheKernelAndTheAgent() throws Exception {
        Path proc = dir.resolve("proc");
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-layerd\n");
        Files.writeString(proc.resolve("uptime"), "123.45 456.78\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:        2048000 kB\nMemFree:          100000 kB\n");
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.procRoot(proc).transport("vsock").agentVersion("layerd-agent/9.9"))) {
            InfoResponse info = agent.call(Requests.info()).getInfo();
            assertEquals("6.1.0-layerd", info.getKernel());
            assertEquals(123.45, info.getUptimeSeconds(), 1e-9);
            assertEquals(2048000L * 1024, info.getMemoryBytes());
            assertEquals(Runtime.getRuntime().availableProcessors(), info.getCpus());
            assertEquals("layerd-agent/9.9", info.getAgentVersion());
            assertEquals("vsock", info.getTransport());
        }
    }

    @Test
    void infoOfThisHostIsPlausible() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            InfoResponse info = agent.call(Requests.info()).getInfo();
            assertTrue(Files.exists(Path.of("/proc/sys/kernel/osrelease")) == !info.getKernel().isEmpty(), info.toString());
            assertEquals("virtio-serial", info.getTransport());
        }
    }

    @Test
    void sleepSleeps() throws Exception {
        try (AgentFixture agent = AgentFixture.start(dir)) {
            long start = System.nanoTime();
            assertTrue(agent.call(Requests.sleep(200)).hasEmpty());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    @Test
    void shutdownAnswersBeforeItPowersOff() throws Exception {
        CountDownLatch poweredOff = new CountDownLatch(1);
        try (AgentFixture agent = AgentFixture.start(dir, b -> b.powerOff(poweredOff::countDown).powerOffDelay(Duration.ofMillis(300)))) {
            assertTrue(agent.call(Request.newBuilder().setShutdown(ShutdownRequest.getDefaultInstance())).hasEmpty());
            assertEquals(1, poweredOff.getCount(), "the answer came before the power-off");
            assertTrue(poweredOff.await(10, TimeUnit.SECONDS), "powered off after the delay");
        }
    }
}
