package io.layerd.servicevm.hcs;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.util.UUID;

/**
 * The real host: computecore.dll, kernel32.dll and ws2_32.dll, loaded on first use and only on
 * Windows, so that merely having this backend on the class path costs nothing elsewhere.
 */
final class WindowsLibraries implements HcsHost {
    static final String UNSUPPORTED = "HCS needs Windows 10 1809+ with Hyper-V";

    private HcsClient hcs;
    private Winsock winsock;

    @Override
    public synchronized HcsClient hcs() throws IOException {
        if (hcs == null) {
            hcs = new HcsClient(load("computecore", ComputeCore.class), load("kernel32", Kernel32.class));
        }
        return hcs;
    }

    @Override
    public BridgeListener listen(UUID vmId, UUID serviceId) throws IOException {
        return HvSocketListener.listen(winsock(), vmId, serviceId);
    }

    private synchronized Winsock winsock() throws IOException {
        if (winsock == null) {
            Winsock loaded = load("ws2_32", Winsock.class);
            int error = loaded.WSAStartup(Winsock.VERSION_2_2, new Memory(Winsock.WSADATA_SIZE));
            if (error != 0) {
                throw new IOException("WSAStartup: " + WinsockErrors.describe(error));
            }
            winsock = loaded;
        }
        return winsock;
    }

    /** Fails with {@link #UNSUPPORTED} off Windows and when the DLL is missing (before 1809, Hyper-V not enabled). */
    static <T extends Library> T load(String name, Class<T> type) throws IOException {
        if (!Platform.isWindows()) {
            throw new IOException(UNSUPPORTED + "; this host runs " + System.getProperty("os.name"));
        }
        try {
            return Native.load(name, type);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException(UNSUPPORTED + ": cannot load " + name + ".dll: " + e.getMessage(), e);
        }
    }
}
