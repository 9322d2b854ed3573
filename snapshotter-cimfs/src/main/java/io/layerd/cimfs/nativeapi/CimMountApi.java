package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The CimFS mount functions, always from {@code cimfs.dll} in System32 (the driver's own DLL;
 * {@code cimwriter.dll} does not mount). Same marshalling rules as {@link CimWriterApi}: wide
 * strings as {@link Pointer}s from {@link WideStrings}, HRESULT as {@code int}; a volume id is a
 * {@link CimFsGuid} passed by reference. A mounted image is {@code \\?\Volume{volumeId}\}.
 */
public interface CimMountApi extends Library {
    /** {@code HRESULT CimMountImage(PCWSTR imageContainingPath, PCWSTR imageName, UINT32 mountImageFlags, const GUID* volumeId)}. */
    int CimMountImage(Pointer imageContainingPath, Pointer imageName, int mountImageFlags, CimFsGuid volumeId);

    /** {@code HRESULT CimDismountImage(const GUID* volumeId)}. */
    int CimDismountImage(CimFsGuid volumeId);

    /**
     * {@code HRESULT CimMergeMountImage(UINT32 numCimPaths, const CIMFS_IMAGE_PATH*
     * backingImagePaths, UINT32 flags, const GUID* volumeId)}: element 0 is the merged CIM, then
     * the sources in the order they were merged (topmost first).
     */
    int CimMergeMountImage(int numCimPaths, CimFsImagePath[] backingImagePaths, int flags, CimFsGuid volumeId);

    /**
     * {@code HRESULT CimMountVerifiedImage(PCWSTR imagePath, PCWSTR fsName, UINT32 flags, const
     * GUID* volumeId, UINT16 hashSize, const BYTE* hash)}.
     */
    int CimMountVerifiedImage(Pointer imagePath, Pointer fsName, int flags, CimFsGuid volumeId, short hashSize, Pointer hash);

    /**
     * {@code HRESULT CimMergeMountVerifiedImage(UINT32 numCimPaths, const CIMFS_IMAGE_PATH*,
     * UINT32 flags, const GUID* volumeId, UINT16 hashSize, const BYTE* hash)}.
     */
    int CimMergeMountVerifiedImage(int numCimPaths, CimFsImagePath[] backingImagePaths, int flags, CimFsGuid volumeId,
            short hashSize, Pointer hash);
}
