package io.layerd.servicevm.hcs;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import com.sun.jna.win32.StdCallLibrary;

/**
 * The Host Compute Service API of {@code computecore.dll} (Windows 10 1809 / Server 2019 and
 * later), the functions this backend calls.
 *
 * <p>Strings ({@code PCWSTR}) are passed as pointers to NUL-terminated UTF-16LE text built by
 * {@link WideStrings#encode}, so the bytes HCS receives do not depend on how the JVM or JNA maps
 * {@code wchar_t} on the platform running the tests. Documents returned through {@code PWSTR*}
 * belong to the caller and are released with {@link Kernel32#LocalFree}.
 *
 * <p>Every function that takes an {@link HcsOperation} only <em>starts</em> the work: S_OK means
 * "started", the outcome comes from {@link #HcsWaitForOperationResult}. {@link HcsClient} is the
 * one place that follows that protocol.
 *
 * <p>{@code vmcompute.dll} exports older functions under the same names with different
 * parameters; these declarations are for {@code computecore.dll} only.
 */
public interface ComputeCore extends StdCallLibrary {
    /** {@code HCS_OPERATION HcsCreateOperation(void* context, HCS_OPERATION_COMPLETION callback)}; NULL when out of resources. */
    HcsOperation HcsCreateOperation(Pointer context, Pointer callback);

    /** {@code void HcsCloseOperation(HCS_OPERATION)}; cancels the operation if it is still in progress. */
    void HcsCloseOperation(HcsOperation operation);

    /** {@code HRESULT HcsWaitForOperationResult(HCS_OPERATION, DWORD timeoutMs, PWSTR* resultDocument)}. */
    int HcsWaitForOperationResult(HcsOperation operation, int timeoutMs, PointerByReference resultDocument);

    /**
     * {@code HRESULT HcsCreateComputeSystem(PCWSTR id, PCWSTR configuration, HCS_OPERATION,
     * const SECURITY_DESCRIPTOR* securityDescriptor, HCS_SYSTEM* computeSystem)}; the security
     * descriptor is reserved and must be NULL.
     */
    int HcsCreateComputeSystem(Pointer id, Pointer configuration, HcsOperation operation, Pointer securityDescriptor,
            PointerByReference computeSystem);

    /** {@code HRESULT HcsStartComputeSystem(HCS_SYSTEM, HCS_OPERATION, PCWSTR options)}. */
    int HcsStartComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer options);

    /** {@code HRESULT HcsModifyComputeSystem(HCS_SYSTEM, HCS_OPERATION, PCWSTR configuration, HANDLE identity)}. */
    int HcsModifyComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer configuration, Pointer identity);

    /** {@code HRESULT HcsShutDownComputeSystem(HCS_SYSTEM, HCS_OPERATION, PCWSTR options)}: asks the guest to power off. */
    int HcsShutDownComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer options);

    /** {@code HRESULT HcsTerminateComputeSystem(HCS_SYSTEM, HCS_OPERATION, PCWSTR options)}: forceful stop. */
    int HcsTerminateComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer options);

    /** {@code void HcsCloseComputeSystem(HCS_SYSTEM)}. */
    void HcsCloseComputeSystem(HcsSystem computeSystem);

    /** {@code HRESULT HcsGetComputeSystemProperties(HCS_SYSTEM, HCS_OPERATION, PCWSTR propertyQuery)}; the result document holds the properties. */
    int HcsGetComputeSystemProperties(HcsSystem computeSystem, HcsOperation operation, Pointer propertyQuery);

    /** {@code HRESULT HcsWaitForComputeSystemExit(HCS_SYSTEM, DWORD timeoutMs, PWSTR* result)}: blocks until the system has stopped. */
    int HcsWaitForComputeSystemExit(HcsSystem computeSystem, int timeoutMs, PointerByReference result);

    /**
     * {@code HRESULT HcsGrantVmAccess(PCWSTR vmId, PCWSTR filePath)}: adds the VM's worker account
     * to the file's ACL. Without it the VM cannot open a disk image it did not create.
     */
    int HcsGrantVmAccess(Pointer vmId, Pointer filePath);
}
