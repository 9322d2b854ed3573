package io.layerd.cimfs.nativeapi;

import com.sun.jna.Memory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Mounts and dismounts CIMs through {@code cimfs.dll}. A mounted image is the volume
 * {@code \\?\Volume{id}\}; the caller picks the id (hcsshim derives it from the container id),
 * and a second mount with an id in use fails with ERROR_ALREADY_EXISTS (183).
 */
public final class CimMounts {
    private final CimMountApi api;

    public CimMounts(CimMountApi api) {
        this.api = api;
    }

    /** {@code \\?\Volume{id}\}: the path a mounted image is reached by. */
    public static String volumePath(UUID volumeId) {
        return "\\\\?\\Volume{" + volumeId + "}\\";
    }

    /** Mounts one image (a fork brings its parents along); returns the volume path. */
    public String mount(ImageLocation image, UUID volumeId, int mountFlags) throws IOException {
        CimFsException.check(api.CimMountImage(WideStrings.encode(NativePaths.hostPath(image.containing())),
                WideStrings.encode(image.name()), mountFlags, new CimFsGuid(volumeId)), "CimMountImage", image.toString());
        return volumePath(volumeId);
    }

    public void dismount(UUID volumeId) throws IOException {
        CimFsException.check(api.CimDismountImage(new CimFsGuid(volumeId)), "CimDismountImage", volumePath(volumeId));
    }

    /**
     * Mounts a merged image over its sources, given in the order they were merged (topmost
     * first), as the DLL requires: the array is the merged image, then the sources.
     */
    public String mergeMount(ImageLocation merged, List<ImageLocation> sources, UUID volumeId, int mountFlags) throws IOException {
        CimFsImagePath[] paths = CimFsImagePath.array(chain(merged, sources));
        CimFsException.check(api.CimMergeMountImage(paths.length, paths, mountFlags, new CimFsGuid(volumeId)), "CimMergeMountImage",
                merged.toString());
        return volumePath(volumeId);
    }

    /** Mounts a sealed block CIM whose reads are checked against {@code rootHash} (32 bytes). */
    public String mountVerified(ImageLocation image, UUID volumeId, int mountFlags, byte[] rootHash) throws IOException {
        Memory hash = hash(rootHash);
        CimFsException.check(api.CimMountVerifiedImage(WideStrings.encode(NativePaths.hostPath(image.containing())),
                WideStrings.encode(image.name()), mountFlags, new CimFsGuid(volumeId), (short) rootHash.length, hash),
                "CimMountVerifiedImage", image.toString());
        return volumePath(volumeId);
    }

    /** {@link #mergeMount} for sealed block CIMs, verified against the merged image's root hash. */
    public String mergeMountVerified(ImageLocation merged, List<ImageLocation> sources, UUID volumeId, int mountFlags, byte[] rootHash)
            throws IOException {
        CimFsImagePath[] paths = CimFsImagePath.array(chain(merged, sources));
        Memory hash = hash(rootHash);
        CimFsException.check(api.CimMergeMountVerifiedImage(paths.length, paths, mountFlags, new CimFsGuid(volumeId),
                (short) rootHash.length, hash), "CimMergeMountVerifiedImage", merged.toString());
        return volumePath(volumeId);
    }

    private static List<ImageLocation> chain(ImageLocation merged, List<ImageLocation> sources) {
        List<ImageLocation> all = new ArrayList<>(sources.size() + 1);
        all.add(merged);
        all.addAll(sources);
        return all;
    }

    private static Memory hash(byte[] rootHash) {
        if (rootHash.length != CimFsFlags.HASH_SIZE) {
            throw new IllegalArgumentException("a CIM root hash is " + CimFsFlags.HASH_SIZE + " bytes, not " + rootHash.length);
        }
        Memory m = new Memory(rootHash.length);
        m.write(0, rootHash, 0, rootHash.length);
        return m;
    }
}
