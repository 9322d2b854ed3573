package io.layerd.servicevm.hcs;

import java.util.UUID;

/**
 * Hyper-V socket service ids of Linux guests. A Linux guest speaks AF_VSOCK with a 32-bit port;
 * hv_sock maps port {@code p} to the service GUID {@code <p as 8 hex digits>-facb-11e6-bd58-64006a7986d3}
 * (the port is {@code Data1}), and only GUIDs of that form are reachable from the guest.
 */
public final class HvSocketIds {
    /** The vsock port the guest agent connects to on the host: 0x40000000, the port hcsshim's GCS bridge uses. */
    public static final int BRIDGE_PORT = io.layerd.servicevm.bridge.BridgeProtocol.VSOCK_PORT;
    /** Port 0 of the vsock template; every other port differs only in the top 32 bits. */
    static final UUID VSOCK_TEMPLATE = UUID.fromString("00000000-facb-11e6-bd58-64006a7986d3");

    private HvSocketIds() {
    }

    /** The service GUID of vsock port {@code port}, read as unsigned (0x80000000 and up are valid ports). */
    public static UUID serviceIdForPort(int port) {
        long data1 = Integer.toUnsignedLong(port) << 32;
        long data2And3 = VSOCK_TEMPLATE.getMostSignificantBits() & 0xFFFF_FFFFL;
        return new UUID(data1 | data2And3, VSOCK_TEMPLATE.getLeastSignificantBits());
    }
}
