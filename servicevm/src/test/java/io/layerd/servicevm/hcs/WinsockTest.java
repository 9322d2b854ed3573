package io.layerd.servicevm.hcs;

import com.sun.jna.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WinsockTest {
    /**
     * {@link Winsock#lastError()} is a default method of a JNA library interface. Bind the
     * interface to libc (no Winsock function is called) to check that JNA's proxy runs default
     * methods instead of looking up a native function called "lastError".
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void jnaProxiesRunTheDefaultLastErrorMethod() {
        Winsock proxy = Native.load("c", Winsock.class);
        Native.setLastError(10054);

        assertEquals(10054, proxy.lastError());
    }

    @Test
    void invalidSocketIsAllOnesAtPointerWidth() {
        assertTrue(new SocketHandle(-1).isInvalid());
        assertTrue(new SocketHandle(Native.POINTER_SIZE == 8 ? -1L : 0xFFFF_FFFFL).isInvalid());
        assertFalse(new SocketHandle(0).isInvalid());
        assertFalse(new SocketHandle(0x1234).isInvalid());
    }

    @Test
    void errorsAreNamed() {
        assertEquals("WSAEADDRINUSE (10048)", WinsockErrors.describe(10048));
        assertEquals("Winsock error 12345", WinsockErrors.describe(12345));
    }
}
