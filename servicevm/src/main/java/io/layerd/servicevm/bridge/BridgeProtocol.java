package io.layerd.servicevm.bridge;

/** Constants both ends of the bridge agree on (see {@code layerd/servicevm/v1/bridge.proto}). */
public final class BridgeProtocol {
    /** The protocol version this build speaks; a host offers a range, the agent picks one. */
    public static final int VERSION = 1;
    /** Largest payload of one Chunk frame: big enough for throughput, small enough to interleave requests. */
    public static final int MAX_CHUNK_BYTES = 256 << 10;
    /** Largest frame either end accepts: a full chunk plus room for the envelope. */
    public static final int MAX_FRAME_BYTES = MAX_CHUNK_BYTES + (64 << 10);
    /** Name of the virtio-serial port the agent looks for (QEMU). */
    public static final String VIRTIO_PORT_NAME = "layerd.bridge";
    /** vsock port the agent connects to on the host (Hyper-V), the port hcsshim's GCS uses. */
    public static final int VSOCK_PORT = 0x40000000;

    private BridgeProtocol() {
    }
}
