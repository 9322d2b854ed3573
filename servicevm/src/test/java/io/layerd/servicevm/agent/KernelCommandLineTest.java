package io.layerd.servicevm.agent;

import io.layerd.servicevm.bridge.BridgeProtocol;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's options on the kernel command line, and the transport they choose. */
class KernelCommandLineTest {
    static final String LINE = "BOOT_IMAGE=/vmlinuz console=ttyS0 quiet  layerd.transport=vsock layerd.bridge_port=0x40000001"
            + " label=\"scratch\" init=/init\n";

    @Test
    void readsOptionsFlagsAndNumbers() {
        KernelCommandLine cmdline = KernelCommandLine.parse(LINE);
        assertEquals("vsock", cmdline.get("layerd.transport", "virtio"));
        assertEquals(0x40000001L, cmdline.getNumber("layerd.bridge_port", 0));
        assertEquals("", cmdline.get("quiet", null), "a flag has an empty value");
        assertEquals("scratch", cmdline.get("label", null), "quotes are removed");
        assertEquals("fallback", cmdline.get("absent", "fallback"));
        assertEquals(7, KernelCommandLine.parse("layerd.bridge_port=7").getNumber("layerd.bridge_port", 0));
        assertEquals(5, KernelCommandLine.parse("").getNumber("layerd.bridge_port", 5));
        assertThrows(IllegalArgumentException.class, () -> KernelCommandLine.parse("layerd.bridge_port=x").getNumber("layerd.bridge_port", 0));
    }

    @Test
    void anUnreadableCommandLineMeansDefaults() {
        assertTrue(KernelCommandLine.read(Path.of("/nonexistent/cmdline")).options().isEmpty());
    }

    @Test
    void theTransportFollowsTheCommandLine() {
        assertEquals("virtio-serial", GuestAgent.link(KernelCommandLine.parse("console=ttyS0")).transportName(), "virtio by default");
        assertEquals("vsock", GuestAgent.link(KernelCommandLine.parse(LINE)).transportName());
        assertEquals("vsock", GuestAgent.link(KernelCommandLine.parse("layerd.transport=vsock")).transportName());
        assertThrows(IllegalArgumentException.class, () -> GuestAgent.link(KernelCommandLine.parse("layerd.transport=carrier-pigeon")));
        assertEquals(0x40000000, BridgeProtocol.VSOCK_PORT);
    }
}
