package io.layerd.cimfs.nativeapi;

import com.sun.jna.Memory;
import com.sun.jna.ptr.PointerByReference;
import io.layerd.cimfs.image.CimWriterFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens {@link NativeCimWriter}s with {@code CimCreateImage} (or {@code CimCreateImage2} when
 * creation flags are given): a new image is {@code (dir, NULL, name)}, a fork {@code (dir, parent,
 * name)}. Image creation in one directory is serialized, because the DLL opens the directory
 * without write sharing and a second creation at the same moment would fail with a sharing
 * violation; different directories proceed in parallel (striped locks, so no lock is kept per
 * directory forever).
 */
public final class NativeCimWriters implements CimWriterFactory {
    private static final int STRIPES = 64;

    private final CimWriterApi api;
    private final Object[] directoryLocks = new Object[STRIPES];

    public NativeCimWriters(CimWriterApi api) {
        this.api = api;
        for (int i = 0; i < STRIPES; i++) {
            directoryLocks[i] = new Object();
        }
    }

    /** The host's CimFS writer (cimwriter.dll, else cimfs.dll). */
    public static NativeCimWriters system() throws IOException {
        return new NativeCimWriters(CimFsLibraries.system().writer());
    }

    @Override
    public NativeCimWriter create(Path dir, String name) throws IOException {
        checkImageName(name);
        Files.createDirectories(dir);
        return open(dir, null, name, null);
    }

    @Override
    public NativeCimWriter fork(Path dir, String parent, String name) throws IOException {
        checkFork(parent, name);
        return open(dir, parent, name, null);
    }

    /** A new image made with {@code CimCreateImage2} and creation flags ({@link CimFsFlags}{@code .CREATE_*}). */
    public NativeCimWriter create(Path containing, String name, int createFlags) throws IOException {
        checkImageName(name);
        return open(containing, null, name, createFlags);
    }

    /** A fork made with {@code CimCreateImage2} and creation flags. */
    public NativeCimWriter fork(Path containing, String parent, String name, int createFlags) throws IOException {
        checkFork(parent, name);
        return open(containing, parent, name, createFlags);
    }

    private NativeCimWriter open(Path containing, String existing, String name, Integer flags) throws IOException {
        String dir = NativePaths.hostPath(containing);
        Memory wideDir = WideStrings.encode(dir);
        Memory wideExisting = WideStrings.encode(existing);
        Memory wideName = WideStrings.encode(name);
        PointerByReference handle = new PointerByReference();
        // Block CIMs live inside one file (the "containing path"): nothing of theirs to clean up by name.
        boolean blockCim = flags != null && (flags & (CimFsFlags.CREATE_BLOCK_DEVICE_CIM | CimFsFlags.CREATE_SINGLE_FILE_CIM)) != 0;
        boolean removeIfUncommitted;
        synchronized (directoryLocks[Math.floorMod(containing.toAbsolutePath().normalize().hashCode(), STRIPES)]) {
            removeIfUncommitted = !blockCim && !Files.exists(containing.resolve(name));
            int hr = flags == null
                    ? api.CimCreateImage(wideDir, wideExisting, wideName, handle)
                    : api.CimCreateImage2(wideDir, flags, wideExisting, wideName, handle);
            String function = flags == null ? "CimCreateImage" : "CimCreateImage2";
            CimFsException.check(hr, function, dir + ", " + (existing == null ? "" : existing + " -> ") + name);
            if (handle.getValue() == null) {
                throw new IOException(function + "(" + dir + ", " + name + ") returned no image handle");
            }
        }
        return new NativeCimWriter(api, containing, name, handle.getValue(), removeIfUncommitted);
    }

    private static void checkFork(String parent, String name) {
        if (parent.equals(name)) {
            throw new IllegalArgumentException("a fork needs a new name, not its parent's: " + name);
        }
        checkImageName(parent);
        checkImageName(name);
    }

    private static void checkImageName(String name) {
        if (!name.endsWith(".cim") || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("an image name is a file name ending in .cim: " + name);
        }
    }
}
