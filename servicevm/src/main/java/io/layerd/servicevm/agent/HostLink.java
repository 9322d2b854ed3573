package io.layerd.servicevm.agent;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The guest end of the bridge's byte stream. {@link #connect} is called again after every
 * connection ends: the host may stop and restart its side while the VM keeps running.
 */
interface HostLink {
    /** "virtio-serial" or "vsock", as InfoResponse reports it. */
    String transportName();

    /** Blocks until a connection to the host is open (retrying as needed). */
    Connection connect() throws IOException, InterruptedException;

    /**
     * One connection. Its input ends (-1) when the host goes away; closing it closes both
     * directions, and writes after that fail rather than reach a later connection.
     */
    record Connection(InputStream input, OutputStream output, String description, Closeable resource) implements Closeable {
        @Override
        public void close() throws IOException {
            resource.close();
        }
    }
}
