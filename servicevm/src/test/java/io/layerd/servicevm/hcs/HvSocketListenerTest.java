package io.layerd.servicevm.hcs;

import io.layerd.servicevm.hypervisor.BridgeTransport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HvSocketListenerTest {
    private static final UUID VM_ID = UUID.fromString("a42e7cda-d03f-480c-9cc2-a4de20abb878");
    private static final UUID BRIDGE = HvSocketIds.serviceIdForPort(HvSocketIds.BRIDGE_PORT);

    private final FakeWinsock winsock = new FakeWinsock();

    @Test
    void bindsAStreamSocketToTheVmAndService() throws IOException {
        try (HvSocketListener listener = HvSocketListener.listen(winsock, VM_ID, BRIDGE)) {
            assertEquals(List.of("socket 34 1 1", "bind 36", "listen"), winsock.calls);
            assertArrayEquals(SockaddrHv.of(VM_ID, BRIDGE).getPointer().getByteArray(0, SockaddrHv.SIZE), winsock.boundAddress);
            assertEquals("hvsock " + VM_ID + ":" + BRIDGE, listener.describe());
        }
    }

    @Test
    void acceptWaitsForTheGuestAndReturnsNullWhenNoneCame() throws IOException {
        try (HvSocketListener listener = HvSocketListener.listen(winsock, VM_ID, BRIDGE)) {
            assertNull(listener.accept(Duration.ofMillis(50)));

            long guest = winsock.connect();
            winsock.guestSends(guest, "hi".getBytes(StandardCharsets.UTF_8));
            BridgeTransport transport = listener.accept(Duration.ofSeconds(5));

            assertNotNull(transport);
            assertEquals('h', transport.input().read());
            transport.output().write('!');
            assertEquals("!", winsock.outbound.get(guest).toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void closingStopsTheAcceptorAndFurtherAccepts() throws Exception {
        HvSocketListener listener = HvSocketListener.listen(winsock, VM_ID, BRIDGE);
        listener.close();

        IOException e = assertThrows(IOException.class, () -> listener.accept(Duration.ofMillis(10)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(winsock.calls.stream().anyMatch(c -> c.startsWith("closesocket")), winsock.calls.toString());
    }

    @Test
    void failedBindClosesTheSocketAndSaysWhy() {
        winsock.bindError = 10013;

        IOException e = assertThrows(IOException.class, () -> HvSocketListener.listen(winsock, VM_ID, BRIDGE));

        assertEquals("hvsock " + VM_ID + ":" + BRIDGE + ": bind: WSAEACCES (10013)", e.getMessage());
        assertTrue(winsock.calls.get(winsock.calls.size() - 1).startsWith("closesocket"), winsock.calls.toString());
    }
}
