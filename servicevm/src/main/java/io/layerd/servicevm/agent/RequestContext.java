package io.layerd.servicevm.agent;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * What an operation may use besides its request: the deadline, the payload the host uploads
 * after the request, and a stream whose bytes reach the host as chunks before the response.
 */
public interface RequestContext {
    long id();

    /** {@link System#nanoTime()} at which the request times out. */
    long deadlineNanos();

    /** Milliseconds left before the deadline (at least 1 while not expired). */
    default long remainingMillis() throws AgentException {
        long left = (deadlineNanos() - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new AgentException(Errno.ETIMEDOUT, "the request's deadline passed");
        }
        return left;
    }

    /**
     * Says what the operation is waiting for, so that a timeout the session raises (which may
     * win the race against the operation's own check) still tells the host what did not happen.
     */
    void describeWait(String whatDidNotHappen);

    /** Chunks the host sends after the request, ending at the chunk marked last. */
    InputStream upload();

    /** Bytes written here go to the host as chunks; flushed when the operation returns. */
    OutputStream download();
}
