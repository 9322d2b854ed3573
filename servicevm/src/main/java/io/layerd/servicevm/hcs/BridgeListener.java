package io.layerd.servicevm.hcs;

import io.layerd.servicevm.hypervisor.BridgeTransport;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;

/** The host end waiting for the guest agent to connect. Closing it stops waiting; accepted transports stay open. */
interface BridgeListener extends Closeable {
    /**
     * The next connection from the guest, or null if none arrived within {@code timeout}.
     *
     * @throws IOException if the listener failed or was closed
     */
    BridgeTransport accept(Duration timeout) throws IOException;

    /** For logs and errors: {@code hvsock <vm id>:<service id>}. */
    String describe();
}
