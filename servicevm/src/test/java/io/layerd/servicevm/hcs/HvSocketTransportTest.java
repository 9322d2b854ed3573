package io.layerd.servicevm.hcs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HvSocketTransportTest {
    private final FakeWinsock winsock = new FakeWinsock();
    private final long socket = winsock.connect();
    private final HvSocketTransport transport = new HvSocketTransport(winsock, new SocketHandle(socket), "hvsock test");

    @Test
    void readsWhatTheGuestSentChunkByChunkThenEndOfStream() throws IOException {
        winsock.guestSends(socket, "hello ".getBytes(StandardCharsets.UTF_8), "bridge".getBytes(StandardCharsets.UTF_8), new byte[0]);

        assertEquals("hello bridge", new String(transport.input().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(-1, transport.input().read());
    }

    @Test
    void readsIntoTheRequestedOffset() throws IOException {
        winsock.guestSends(socket, new byte[] {1, 2, 3});
        byte[] target = new byte[6];

        assertEquals(2, transport.input().read(target, 3, 2));
        assertArrayEquals(new byte[] {0, 0, 0, 1, 2, 0}, target);
        assertEquals(3, transport.input().read());
    }

    @Test
    void oneByteReadsAreUnsigned() throws IOException {
        winsock.guestSends(socket, new byte[] {(byte) 0xFF});

        assertEquals(255, transport.input().read());
    }

    @Test
    void receiveErrorNamesTheWinsockCode() {
        InputStream input = transport.input();
        IOException e = assertThrows(IOException.class, input::read);

        assertEquals("hvsock test: recv: WSAECONNRESET (10054)", e.getMessage());
    }

    @Test
    void partialSendsAreContinuedUntilEverythingIsOut() throws IOException {
        winsock.sendLimit = 7;
        byte[] frame = new byte[HvSocketTransport.BUFFER_SIZE * 2 + 5];
        Arrays.fill(frame, (byte) 0x5A);
        frame[frame.length - 1] = 1;

        transport.output().write(frame);

        assertArrayEquals(frame, winsock.outbound.get(socket).toByteArray());
    }

    @Test
    void writeHonoursOffsetAndLength() throws IOException {
        transport.output().write("..frame..".getBytes(StandardCharsets.UTF_8), 2, 5);
        transport.output().write('!');

        assertEquals("frame!", winsock.outbound.get(socket).toString(StandardCharsets.UTF_8));
    }

    @Test
    void closeShutsDownBeforeClosingOnceAndThenRefusesIo() throws IOException {
        transport.output().close();
        transport.close();

        assertEquals(List.of("shutdown " + socket + " " + Winsock.SD_BOTH, "closesocket " + socket), winsock.calls);
        IOException e = assertThrows(IOException.class, () -> transport.output().write(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IOException.class, () -> transport.input().read());
        assertEquals("hvsock test", transport.describe());
    }
}
