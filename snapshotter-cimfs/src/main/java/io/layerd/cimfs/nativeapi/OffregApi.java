package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * The offline registry library ({@code offreg.dll}) functions layer import needs to merge
 * registry hives. Unlike CimFS they return Win32 error codes ({@code DWORD}, ERROR_SUCCESS = 0),
 * not HRESULTs. Hive handles ({@code ORHKEY}) are pointer-sized; paths are UTF-16LE
 * {@link WideStrings}.
 */
public interface OffregApi extends Library {
    /** {@code DWORD OROpenHive(PCWSTR lpHivePath, PORHKEY phkResult)}: loads and validates a hive file. */
    int OROpenHive(Pointer hivePath, PointerByReference result);

    /** {@code DWORD ORMergeHives(ORHKEY* hiveHandles, ULONG hiveCount, PORHKEY phkResult)}: later hives override earlier ones. */
    int ORMergeHives(Pointer[] hiveHandles, int hiveCount, PointerByReference result);

    /** {@code DWORD ORSaveHive(ORHKEY handle, PCWSTR lpHivePath, DWORD dwOsMajorVersion, DWORD dwOsMinorVersion)}: the file must not exist. */
    int ORSaveHive(Pointer handle, Pointer hivePath, int osMajorVersion, int osMinorVersion);

    /** {@code DWORD ORCloseHive(ORHKEY handle)}. */
    int ORCloseHive(Pointer handle);
}
