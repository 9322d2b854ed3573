package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Empty;
import io.layerd.api.servicevm.v1.InfoResponse;
import io.layerd.api.servicevm.v1.PingResponse;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** ping, info, sleep and shutdown: the agent and the VM it runs in. */
final class SystemOperations {
    private final AgentEnvironment env;

    SystemOperations(AgentEnvironment env) {
        this.env = env;
    }

    Response ping(Request request, RequestContext context) {
        long uptime = (System.nanoTime() - env.startNanos()) / 1_000_000;
        return Response.newBuilder().setPing(PingResponse.newBuilder().setAgentUptimeMillis(uptime)).build();
    }

    /** Facts for diagnostics: a file /proc lacks gives an empty or zero field, not a failure. */
    Response info(Request request, RequestContext context) {
        InfoResponse.Builder info = InfoResponse.newBuilder()
                .setKernel(firstLine(env.procRoot().resolve("sys/kernel/osrelease")))
                .setUptimeSeconds(uptimeSeconds())
                .setAgentVersion(env.agentVersion())
                .setCpus(Runtime.getRuntime().availableProcessors())
                .setMemoryBytes(memTotalBytes())
                .setTransport(env.transport());
        return Response.newBuilder().setInfo(info).build();
    }

    /** Does nothing for the given time; interruptible, so deadlines and cancellation end it. */
    Response sleep(Request request, RequestContext context) throws InterruptedException {
        Thread.sleep(request.getSleep().getMillis());
        return empty();
    }

    /**
     * Answers, then syncs and powers off on a thread of its own after a short delay, so that the
     * answer is on its way to the host before the VM stops.
     */
    Response shutdown(Request request, RequestContext context) {
        Thread powerOff = new Thread(() -> {
            try {
                Thread.sleep(env.powerOffDelay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            env.powerOff().run();
        }, "agent-power-off");
        powerOff.start();
        AgentLog.line("shutdown requested by the host");
        return empty();
    }

    private double uptimeSeconds() {
        String line = firstLine(env.procRoot().resolve("uptime"));
        try {
            return line.isEmpty() ? 0 : Double.parseDouble(line.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** MemTotal from /proc/meminfo ("MemTotal:  16316412 kB"), in bytes. */
    private long memTotalBytes() {
        try {
            for (String line : Files.readAllLines(env.procRoot().resolve("meminfo"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // reported as 0: unknown
        }
        return 0;
    }

    private static String firstLine(Path p) {
        try {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            return (nl < 0 ? text : text.substring(0, nl)).trim();
        } catch (IOException e) {
            return "";
        }
    }

    static Response empty() {
        return Response.newBuilder().setEmpty(Empty.getDefaultInstance()).build();
    }
}
