package io.layerd.cimfs.nativeapi;

import com.sun.jna.Platform;

import java.io.IOException;

/**
 * Which DLL serves which CimFS function, as hcsshim decides it: mount and dismount always go to
 * {@code cimfs.dll}; writing, merging, sealing and verification go to {@code cimwriter.dll} when
 * it loads and to {@code cimfs.dll} otherwise. The DLLs are given by name or path so that tests
 * can load a recorder library in their place.
 */
public final class CimFsLibraries {
    private final CimWriterApi writer;
    private final CimMountApi mount;
    private final String writerLibrary;
    private final String mountLibrary;

    private CimFsLibraries(CimWriterApi writer, String writerLibrary, CimMountApi mount, String mountLibrary) {
        this.writer = writer;
        this.writerLibrary = writerLibrary;
        this.mount = mount;
        this.mountLibrary = mountLibrary;
    }

    /**
     * Binds to {@code cimfs} and, if it is not {@code null} and loads, {@code cimwriter}.
     *
     * @throws IOException if {@code cimfs} does not load: CimFS is not available
     */
    public static CimFsLibraries load(String cimfs, String cimwriter) throws IOException {
        CimMountApi mount;
        try {
            mount = NativeLibraries.load(cimfs, CimMountApi.class);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("CimFS is not available: cannot load " + cimfs + ": " + e.getMessage(), e);
        }
        if (cimwriter != null && NativeLibraries.loads(cimwriter)) {
            return new CimFsLibraries(NativeLibraries.load(cimwriter, CimWriterApi.class), cimwriter, mount, cimfs);
        }
        return new CimFsLibraries(NativeLibraries.load(cimfs, CimWriterApi.class), cimfs, mount, cimfs);
    }

    /**
     * The host's DLLs: {@code cimfs.dll} and {@code cimwriter.dll} from System32, by full path
     * so that no other directory on the DLL search path can supply them.
     *
     * @throws IOException off Windows, or when cimfs.dll does not load
     */
    public static CimFsLibraries system() throws IOException {
        if (!Platform.isWindows()) {
            throw new IOException("CimFS needs Windows; this host runs " + System.getProperty("os.name"));
        }
        return load(systemDll("cimfs.dll"), systemDll("cimwriter.dll"));
    }

    /** {@code %SystemRoot%\System32\<name>}. */
    public static String systemDll(String name) {
        String root = System.getenv("SystemRoot");
        // Built as text: the result is a Windows path even when the gates are exercised elsewhere.
        return (root == null ? "C:\\Windows" : root) + "\\System32\\" + name;
    }

    public CimWriterApi writer() {
        return writer;
    }

    public CimMountApi mount() {
        return mount;
    }

    /** The library the writer functions come from: the cimwriter argument if it loaded, else cimfs. */
    public String writerLibrary() {
        return writerLibrary;
    }

    public String mountLibrary() {
        return mountLibrary;
    }
}
