package io.layerd.servicevm.hcs;

import com.sun.jna.Pointer;
import com.sun.jna.PointerType;

/**
 * An open {@code HCS_SYSTEM} handle, together with the id the compute system was created under so
 * that every error can name the VM it is about.
 */
public final class HcsSystem extends PointerType {
    private final String id;

    /** For JNA, which instantiates {@link com.sun.jna.NativeMapped} types reflectively. */
    public HcsSystem() {
        this.id = "";
    }

    public HcsSystem(Pointer handle, String id) {
        super(handle);
        this.id = id;
    }

    /** The compute-system id given to {@code HcsCreateComputeSystem}. */
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return "HCS_SYSTEM " + id;
    }
}
