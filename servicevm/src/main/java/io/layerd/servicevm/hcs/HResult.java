package io.layerd.servicevm.hcs;

import java.util.Map;

/**
 * HRESULT values as HCS returns them. An HRESULT is a 32-bit value whose top bit marks failure,
 * so as a Java {@code int} every failure is negative; the HCS error documents carry it the same
 * way (e.g. {@code "Error": -2143878898} for {@code 0x8037010E}).
 */
public final class HResult {
    public static final int S_OK = 0;
    public static final int E_OUTOFMEMORY = 0x8007000E;
    /** {@code HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND)}: the DLL lacks the function. */
    public static final int ERROR_PROC_NOT_FOUND = 0x8007007F;

    public static final int HCS_E_TERMINATED_DURING_START = 0x80370100;
    public static final int HCS_E_IMAGE_MISMATCH = 0x80370101;
    public static final int HCS_E_HYPERV_NOT_INSTALLED = 0x80370102;
    public static final int HCS_E_INVALID_STATE = 0x80370105;
    public static final int HCS_E_UNEXPECTED_EXIT = 0x80370106;
    public static final int HCS_E_TERMINATED = 0x80370107;
    public static final int HCS_E_CONNECT_FAILED = 0x80370108;
    public static final int HCS_E_CONNECTION_TIMEOUT = 0x80370109;
    public static final int HCS_E_CONNECTION_CLOSED = 0x8037010A;
    public static final int HCS_E_INVALID_JSON = 0x8037010D;
    public static final int HCS_E_SYSTEM_NOT_FOUND = 0x8037010E;
    public static final int HCS_E_SYSTEM_ALREADY_EXISTS = 0x8037010F;
    public static final int HCS_E_SYSTEM_ALREADY_STOPPED = 0x80370110;
    public static final int HCS_E_OPERATION_NOT_STARTED = 0x80370115;
    public static final int HCS_E_OPERATION_ALREADY_STARTED = 0x80370116;
    public static final int HCS_E_OPERATION_PENDING = 0x80370117;
    public static final int HCS_E_OPERATION_TIMEOUT = 0x80370118;
    public static final int HCS_E_ACCESS_DENIED = 0x8037011B;
    public static final int HCS_E_SERVICE_DISCONNECT = 0x8037011E;
    /** The older vmcompute.dll's "operation pending"; computecore should never return it, but logs name it if it does. */
    public static final int VMCOMPUTE_OPERATION_PENDING = 0xC0370103;

    /** Facility 7: the low 16 bits are a Win32 error code ({@code HRESULT_FROM_WIN32}). */
    private static final int FACILITY_WIN32 = 7;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(S_OK, "S_OK"),
            Map.entry(0x80004001, "E_NOTIMPL"),
            Map.entry(0x80004003, "E_POINTER"),
            Map.entry(0x80004005, "E_FAIL"),
            Map.entry(0x80070002, "ERROR_FILE_NOT_FOUND"),
            Map.entry(0x80070003, "ERROR_PATH_NOT_FOUND"),
            Map.entry(0x80070005, "E_ACCESSDENIED"),
            Map.entry(E_OUTOFMEMORY, "E_OUTOFMEMORY"),
            Map.entry(ERROR_PROC_NOT_FOUND, "ERROR_PROC_NOT_FOUND"),
            Map.entry(0x80070057, "E_INVALIDARG"),
            Map.entry(HCS_E_TERMINATED_DURING_START, "HCS_E_TERMINATED_DURING_START"),
            Map.entry(HCS_E_IMAGE_MISMATCH, "HCS_E_IMAGE_MISMATCH"),
            Map.entry(HCS_E_HYPERV_NOT_INSTALLED, "HCS_E_HYPERV_NOT_INSTALLED"),
            Map.entry(HCS_E_INVALID_STATE, "HCS_E_INVALID_STATE"),
            Map.entry(HCS_E_UNEXPECTED_EXIT, "HCS_E_UNEXPECTED_EXIT"),
            Map.entry(HCS_E_TERMINATED, "HCS_E_TERMINATED"),
            Map.entry(HCS_E_CONNECT_FAILED, "HCS_E_CONNECT_FAILED"),
            Map.entry(HCS_E_CONNECTION_TIMEOUT, "HCS_E_CONNECTION_TIMEOUT"),
            Map.entry(HCS_E_CONNECTION_CLOSED, "HCS_E_CONNECTION_CLOSED"),
            Map.entry(HCS_E_INVALID_JSON, "HCS_E_INVALID_JSON"),
            Map.entry(HCS_E_SYSTEM_NOT_FOUND, "HCS_E_SYSTEM_NOT_FOUND"),
            Map.entry(HCS_E_SYSTEM_ALREADY_EXISTS, "HCS_E_SYSTEM_ALREADY_EXISTS"),
            Map.entry(HCS_E_SYSTEM_ALREADY_STOPPED, "HCS_E_SYSTEM_ALREADY_STOPPED"),
            Map.entry(HCS_E_OPERATION_NOT_STARTED, "HCS_E_OPERATION_NOT_STARTED"),
            Map.entry(HCS_E_OPERATION_ALREADY_STARTED, "HCS_E_OPERATION_ALREADY_STARTED"),
            Map.entry(HCS_E_OPERATION_PENDING, "HCS_E_OPERATION_PENDING"),
            Map.entry(HCS_E_OPERATION_TIMEOUT, "HCS_E_OPERATION_TIMEOUT"),
            Map.entry(HCS_E_ACCESS_DENIED, "HCS_E_ACCESS_DENIED"),
            Map.entry(HCS_E_SERVICE_DISCONNECT, "HCS_E_SERVICE_DISCONNECT"),
            Map.entry(VMCOMPUTE_OPERATION_PENDING, "VMCOMPUTE_OPERATION_PENDING"));

    private HResult() {
    }

    /** FAILED(hr): the severity bit is set. */
    public static boolean failed(int hresult) {
        return hresult < 0;
    }

    /** An HRESULT written as an unsigned 32-bit number, e.g. from documentation or a log. */
    public static int fromUnsigned(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a 32-bit HRESULT: " + value);
        }
        return (int) value;
    }

    /** {@code 0x8037010E}: eight upper-case hex digits, the form Windows documentation uses. */
    public static String hex(int hresult) {
        return String.format("0x%08X", hresult);
    }

    /**
     * The symbolic name: the HCS table's name, {@code HRESULT_FROM_WIN32(<code>)} for other
     * wrapped Win32 errors, else {@code unknown HRESULT}.
     */
    public static String name(int hresult) {
        String known = NAMES.get(hresult);
        if (known != null) {
            return known;
        }
        if (failed(hresult) && ((hresult >>> 16) & 0x7FF) == FACILITY_WIN32) {
            return "HRESULT_FROM_WIN32(" + (hresult & 0xFFFF) + ")";
        }
        return "unknown HRESULT";
    }

    /** {@code 0x8037010E HCS_E_SYSTEM_NOT_FOUND}. */
    public static String describe(int hresult) {
        return hex(hresult) + " " + name(hresult);
    }
}
