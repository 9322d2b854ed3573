package io.layerd.servicevm.hcs;

import java.io.IOException;
import java.util.UUID;

/** What the backend needs from the Windows host: the HCS API and Hyper-V socket listeners. */
interface HcsHost {
    /** The HCS API, or an IOException saying why this host has none. */
    HcsClient hcs() throws IOException;

    /** Listens for connections from VM {@code vmId} to service {@code serviceId}. */
    BridgeListener listen(UUID vmId, UUID serviceId) throws IOException;
}
