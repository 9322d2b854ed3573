package io.layerd.servicevm.hcs;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The HCS calls this backend makes, each run through the asynchronous operation protocol:
 *
 * <pre>
 *   HcsCreateOperation ─▶ Hcs&lt;Call&gt;(…, operation, …) ─▶ HcsWaitForOperationResult(timeout)
 *        ─▶ read + LocalFree the result document ─▶ HcsCloseOperation
 * </pre>
 *
 * <p>The call and the wait run on the caller's thread and are never abandoned: hcsshim found that
 * returning while an HCS call is still running and closing its handles crashes the process inside
 * computecore.dll. A timeout therefore only bounds the wait; when it expires, closing the
 * operation cancels it. Without a timeout the wait is {@link #INFINITE}.
 *
 * <p>Input strings stay allocated until the operation is closed, in case HCS reads them after the
 * starting call returns.
 */
final class HcsClient {
    /** Win32 {@code INFINITE} as a DWORD timeout. */
    static final int INFINITE = 0xFFFF_FFFF;
    /** The longest finite DWORD timeout; one more is {@link #INFINITE}. */
    private static final long MAX_FINITE_MILLIS = 0xFFFF_FFFEL;

    private final ComputeCore core;
    private final Kernel32 kernel32;

    HcsClient(ComputeCore core, Kernel32 kernel32) {
        this.core = core;
        this.kernel32 = kernel32;
    }

    /** Creates a compute system from its JSON document; the returned handle must be closed with {@link #close}. */
    HcsSystem create(String id, String configuration, Duration timeout) throws HcsException {
        PointerByReference handle = new PointerByReference();
        try (Memory idText = WideStrings.encode(id); Memory document = WideStrings.encode(configuration)) {
            run("HcsCreateComputeSystem", id, timeout,
                    operation -> core.HcsCreateComputeSystem(idText, document, operation, null, handle));
        } catch (HcsException e) {
            // HCS may hand out the handle before the operation fails; do not leak it.
            if (handle.getValue() != null) {
                core.HcsCloseComputeSystem(new HcsSystem(handle.getValue(), id));
            }
            throw e;
        }
        if (handle.getValue() == null) {
            throw new HcsException("HcsCreateComputeSystem", id, HResult.E_OUTOFMEMORY, "no compute system handle returned");
        }
        return new HcsSystem(handle.getValue(), id);
    }

    void start(HcsSystem system, Duration timeout) throws HcsException {
        run("HcsStartComputeSystem", system.id(), timeout, operation -> core.HcsStartComputeSystem(system, operation, null));
    }

    /** Sends a ModifySettingRequest document (hot-plug, resize, …). */
    void modify(HcsSystem system, String request, Duration timeout) throws HcsException {
        try (Memory document = WideStrings.encode(request)) {
            run("HcsModifyComputeSystem", system.id(), timeout,
                    operation -> core.HcsModifyComputeSystem(system, operation, document, null));
        }
    }

    void shutDown(HcsSystem system, Duration timeout) throws HcsException {
        run("HcsShutDownComputeSystem", system.id(), timeout, operation -> core.HcsShutDownComputeSystem(system, operation, null));
    }

    void terminate(HcsSystem system, Duration timeout) throws HcsException {
        run("HcsTerminateComputeSystem", system.id(), timeout, operation -> core.HcsTerminateComputeSystem(system, operation, null));
    }

    /** The properties document; {@code query} null asks for the default set (id, state, RuntimeId, …). */
    String properties(HcsSystem system, String query, Duration timeout) throws HcsException {
        try (Memory document = WideStrings.encode(query)) {
            return run("HcsGetComputeSystemProperties", system.id(), timeout,
                    operation -> core.HcsGetComputeSystemProperties(system, operation, document));
        }
    }

    /**
     * Blocks until the compute system has stopped and returns HCS's exit document. Closing the
     * handle while this waits is exactly the race hcsshim warns about: callers close only after
     * it has returned.
     */
    String awaitExit(HcsSystem system) throws HcsException {
        PointerByReference document = new PointerByReference();
        int result;
        try {
            result = core.HcsWaitForComputeSystemExit(system, INFINITE, document);
        } catch (UnsatisfiedLinkError e) {
            throw missingExport("HcsWaitForComputeSystemExit", system.id(), e);
        }
        String text = takeDocument(document);
        if (HResult.failed(result)) {
            throw new HcsException("HcsWaitForComputeSystemExit", system.id(), result, text);
        }
        return text;
    }

    /** Lets the VM's worker account open {@code file} (synchronous, no operation). */
    void grantVmAccess(String id, Path file) throws HcsException {
        try (Memory vmId = WideStrings.encode(id); Memory path = WideStrings.encode(file.toString())) {
            String subject = id + "\" \"" + file;
            int result;
            try {
                result = core.HcsGrantVmAccess(vmId, path);
            } catch (UnsatisfiedLinkError e) {
                throw missingExport("HcsGrantVmAccess", subject, e);
            }
            if (HResult.failed(result)) {
                throw new HcsException("HcsGrantVmAccess", subject, result, null);
            }
        }
    }

    void close(HcsSystem system) {
        core.HcsCloseComputeSystem(system);
    }

    /** A timeout as a DWORD of milliseconds: null is {@link #INFINITE}, anything longer is capped just below it. */
    static int timeoutMillis(Duration timeout) {
        if (timeout == null) {
            return INFINITE;
        }
        long millis = timeout.isNegative() ? 0 : Math.min(saturatedMillis(timeout), MAX_FINITE_MILLIS);
        return (int) millis;
    }

    private static long saturatedMillis(Duration timeout) {
        try {
            return timeout.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** One HCS function called with a fresh operation handle; returns its HRESULT. */
    @FunctionalInterface
    private interface OperationCall {
        int start(HcsOperation operation);
    }

    private String run(String call, String subject, Duration timeout, OperationCall body) throws HcsException {
        HcsOperation operation = core.HcsCreateOperation(null, null);
        if (operation == null || operation.getPointer() == null) {
            throw new HcsException("HcsCreateOperation", subject, HResult.E_OUTOFMEMORY, "no operation handle for " + call);
        }
        try {
            int started;
            try {
                started = body.start(operation);
            } catch (UnsatisfiedLinkError e) {
                throw missingExport(call, subject, e);
            }
            if (HResult.failed(started)) {
                throw new HcsException(call, subject, started, null);
            }
            PointerByReference document = new PointerByReference();
            int result = core.HcsWaitForOperationResult(operation, timeoutMillis(timeout), document);
            String text = takeDocument(document);
            if (HResult.failed(result)) {
                throw new HcsException(call, subject, result, text);
            }
            return text;
        } finally {
            core.HcsCloseOperation(operation);
        }
    }

    /**
     * JNA looks a function up on its first call. The functions outside the documented core set
     * may be missing from older builds; report that as the HRESULT Windows itself would use
     * instead of letting an Error escape past the callers' clean-up.
     */
    private static HcsException missingExport(String call, String subject, UnsatisfiedLinkError e) {
        return new HcsException(call, subject, HResult.ERROR_PROC_NOT_FOUND, e.getMessage());
    }

    /** Reads the document HCS allocated and gives its memory back, whatever the reading does. */
    private String takeDocument(PointerByReference document) {
        Pointer text = document.getValue();
        if (text == null) {
            return "";
        }
        try {
            return WideStrings.decode(text);
        } finally {
            kernel32.LocalFree(text);
        }
    }
}
