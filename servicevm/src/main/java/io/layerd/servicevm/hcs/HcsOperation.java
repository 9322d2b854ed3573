package io.layerd.servicevm.hcs;

import com.sun.jna.Pointer;
import com.sun.jna.PointerType;

/** An {@code HCS_OPERATION} handle: tracks exactly one asynchronous HCS call. */
public final class HcsOperation extends PointerType {
    /** For JNA, which creates the return value of {@code HcsCreateOperation}. */
    public HcsOperation() {
    }

    public HcsOperation(Pointer handle) {
        super(handle);
    }
}
