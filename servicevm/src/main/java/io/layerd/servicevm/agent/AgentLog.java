package io.layerd.servicevm.agent;

import java.time.Instant;

/**
 * The agent's log: timestamped lines on stderr, which in the service VM is the serial console
 * the host keeps. Deliberately no logging framework: the agent's dependencies stay few and its
 * output readable in a console capture.
 */
final class AgentLog {
    private AgentLog() {
    }

    static void line(String message) {
        System.err.println(Instant.now() + " layerd-agent: " + message);
    }
}
