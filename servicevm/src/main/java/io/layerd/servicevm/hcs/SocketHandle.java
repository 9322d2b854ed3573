package io.layerd.servicevm.hcs;

import com.sun.jna.IntegerType;
import com.sun.jna.Native;

/** A Winsock {@code SOCKET}: an unsigned pointer-sized integer, all ones ({@code INVALID_SOCKET}) on failure. */
public final class SocketHandle extends IntegerType {
    /** For JNA, which creates the return values of {@code socket} and {@code accept}. */
    public SocketHandle() {
        super(Native.POINTER_SIZE, true);
    }

    public SocketHandle(long value) {
        super(Native.POINTER_SIZE, value, true);
    }

    /** {@code INVALID_SOCKET}, i.e. {@code ~0} at the platform's pointer width. */
    public boolean isInvalid() {
        return Native.POINTER_SIZE == 8 ? longValue() == -1L : longValue() == 0xFFFF_FFFFL;
    }
}
