package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The CimFS writer functions: create, write, merge, seal and read verification data. They are
 * served by {@code cimwriter.dll} when it loads (newer Windows, or shipped next to the
 * application) and otherwise by {@code cimfs.dll}, which exports the same names; {@link
 * CimFsLibraries} makes that choice.
 *
 * <p>Marshalling rules, fixed so that the bytes are the same on Windows and on Linux (where a
 * recorder library stands in for the DLL): every {@code PCWSTR} is a {@link Pointer} to
 * NUL-terminated UTF-16LE from {@link WideStrings} ({@code null} for a NULL string, which differs
 * from ""); handles are pointer-sized ({@link Pointer}, out-parameters {@link
 * PointerByReference}); HRESULTs come back as {@code int} (see {@link CimFsException}). The
 * interface extends plain {@link Library}: on amd64 and arm64 {@code WINAPI} is the platform's
 * only calling convention, and 32-bit x86 (stdcall) is not a target.
 */
public interface CimWriterApi extends Library {
    /**
     * {@code HRESULT CimCreateImage(PCWSTR imageContainingPath, PCWSTR existingImageName,
     * PCWSTR newImageName, CIMFS_IMAGE_HANDLE* cimImageHandle)}: existing NULL and new set
     * creates an image; both set and different forks {@code existing} into {@code new}.
     */
    int CimCreateImage(Pointer imageContainingPath, Pointer existingImageName, Pointer newImageName, PointerByReference cimImageHandle);

    /** {@code HRESULT CimCreateImage2(PCWSTR imageContainingPath, UINT32 flags, PCWSTR existingImageName, PCWSTR newImageName, CIMFS_IMAGE_HANDLE*)}; flags in {@link CimFsFlags}. */
    int CimCreateImage2(Pointer imageContainingPath, int flags, Pointer existingImageName, Pointer newImageName,
            PointerByReference cimImageHandle);

    /** {@code void CimCloseImage(CIMFS_IMAGE_HANDLE)}: without a prior commit, the image is not written. */
    void CimCloseImage(Pointer cimImageHandle);

    /** {@code HRESULT CimCommitImage(CIMFS_IMAGE_HANDLE)}: fails with a sharing violation while a stream is open. */
    int CimCommitImage(Pointer cimImageHandle);

    /**
     * {@code HRESULT CimCreateFile(CIMFS_IMAGE_HANDLE, PCWSTR imageRelativePath, const
     * CIMFS_FILE_METADATA* fileMetadata, CIMFS_STREAM_HANDLE* cimStreamHandle)}: creates or
     * replaces the file; its size is fixed here and its bytes follow through the stream.
     */
    int CimCreateFile(Pointer cimImageHandle, Pointer imageRelativePath, CimFsFileMetadata fileMetadata, PointerByReference cimStreamHandle);

    /** {@code HRESULT CimCloseStream(CIMFS_STREAM_HANDLE)}. */
    int CimCloseStream(Pointer cimStreamHandle);

    /** {@code HRESULT CimWriteStream(CIMFS_STREAM_HANDLE, const void* buffer, UINT32 bufferSize)}. */
    int CimWriteStream(Pointer cimStreamHandle, Pointer buffer, int bufferSize);

    /** {@code HRESULT CimDeletePath(CIMFS_IMAGE_HANDLE, PCWSTR path)}. */
    int CimDeletePath(Pointer cimImageHandle, Pointer path);

    /** {@code HRESULT CimCreateHardLink(CIMFS_IMAGE_HANDLE, PCWSTR newPath, PCWSTR oldPath)}. */
    int CimCreateHardLink(Pointer cimImageHandle, Pointer newPath, Pointer oldPath);

    /** {@code HRESULT CimCreateAlternateStream(CIMFS_IMAGE_HANDLE, PCWSTR path ("file:stream"), UINT64 size, CIMFS_STREAM_HANDLE*)}. */
    int CimCreateAlternateStream(Pointer cimImageHandle, Pointer path, long size, PointerByReference cimStreamHandle);

    /** {@code HRESULT CimAddFsToMergedImage(CIMFS_IMAGE_HANDLE, PCWSTR path)}: sources topmost first. */
    int CimAddFsToMergedImage(Pointer cimImageHandle, Pointer path);

    /** {@code HRESULT CimAddFsToMergedImage2(CIMFS_IMAGE_HANDLE, PCWSTR path, UINT32 flags)}; merge flags in {@link CimFsFlags}. */
    int CimAddFsToMergedImage2(Pointer cimImageHandle, Pointer path, int flags);

    /** {@code HRESULT CimTombstoneFile(CIMFS_IMAGE_HANDLE, PCWSTR path)}: hides {@code path} of lower CIMs in a merge. */
    int CimTombstoneFile(Pointer cimImageHandle, Pointer path);

    /** {@code HRESULT CimCreateMergeLink(CIMFS_IMAGE_HANDLE, PCWSTR newPath, PCWSTR oldPath)}: a hard link resolved at merge time. */
    int CimCreateMergeLink(Pointer cimImageHandle, Pointer newPath, Pointer oldPath);

    /** {@code HRESULT CimSealImage(PCWSTR blockCimPath, UINT64* hashSize, UINT64* fixedHeaderSize, BYTE* hash)}; the hash buffer is 32 bytes. */
    int CimSealImage(Pointer blockCimPath, LongByReference hashSize, LongByReference fixedHeaderSize, Pointer hash);

    /**
     * {@code HRESULT CimGetVerificationInformation(PCWSTR blockCimPath, UINT32* isSealed, UINT64*
     * hashSize, UINT64* signatureSize, UINT64* fixedHeaderSize, BYTE* hash, BYTE* signature)}.
     */
    int CimGetVerificationInformation(Pointer blockCimPath, IntByReference isSealed, LongByReference hashSize,
            LongByReference signatureSize, LongByReference fixedHeaderSize, Pointer hash, Pointer signature);
}
