package io.layerd.servicevm.hypervisor;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/** The host end of the byte stream to the guest agent. Closing it closes both directions. */
public interface BridgeTransport extends Closeable {
    InputStream input();

    OutputStream output();

    /** For logs: "virtio-serial unix:/run/.../bridge.sock", "hvsock {vm-id}:{service}". */
    String describe();
}
