package io.layerd.servicevm.hcs;

import com.sun.jna.Pointer;
import com.sun.jna.win32.StdCallLibrary;

/** The one {@code kernel32.dll} function the backend needs: releasing documents HCS allocated for us. */
public interface Kernel32 extends StdCallLibrary {
    /** {@code HLOCAL LocalFree(HLOCAL hMem)}; NULL on success. */
    Pointer LocalFree(Pointer memory);
}
