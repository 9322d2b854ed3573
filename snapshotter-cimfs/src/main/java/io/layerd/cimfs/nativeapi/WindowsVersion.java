package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

import java.io.IOException;

/**
 * The running Windows version: major, minor and build from {@code RtlGetVersion} (which, unlike
 * {@code GetVersionEx}, is not capped by the application manifest), and the revision (UBR) from
 * {@code HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\UBR}, as hcsshim's osversion reads
 * them. The revision decides CimFS on Server 2022 (build 20348 from revision 2031).
 */
public record WindowsVersion(int major, int minor, int build, int revision) {
    /** {@code RTL_OSVERSIONINFOW}: five ULONGs and {@code WCHAR szCSDVersion[128]}. */
    static final int OSVERSIONINFOW_SIZE = 5 * 4 + 128 * 2;
    /** {@code (HKEY)(ULONG_PTR)(LONG)0x80000002}: sign-extended to pointer width. */
    static final long HKEY_LOCAL_MACHINE = (long) 0x80000002; // an int literal, so the widening sign-extends
    static final int RRF_RT_REG_DWORD = 0x10;
    static final String CURRENT_VERSION_KEY = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";

    /** {@code ntdll.dll}. */
    public interface Ntdll extends Library {
        /** {@code NTSTATUS RtlGetVersion(PRTL_OSVERSIONINFOW lpVersionInformation)}; the size field is set by the caller. */
        int RtlGetVersion(Pointer versionInformation);
    }

    /** {@code advapi32.dll}. */
    public interface Advapi32 extends Library {
        /**
         * {@code LSTATUS RegGetValueW(HKEY hkey, LPCWSTR lpSubKey, LPCWSTR lpValue, DWORD dwFlags,
         * LPDWORD pdwType, PVOID pvData, LPDWORD pcbData)}.
         */
        int RegGetValueW(Pointer hkey, Pointer subKey, Pointer value, int flags, IntByReference type, Pointer data, IntByReference dataSize);
    }

    /** This host's version (Windows only). */
    public static WindowsVersion read() throws IOException {
        return read(NativeLibraries.load("ntdll", Ntdll.class), NativeLibraries.load("advapi32", Advapi32.class));
    }

    /**
     * Reads through the given bindings. A missing UBR value gives revision 0, as in hcsshim
     * (which only warns): that can only make Server 2022 look unsupported, never the reverse.
     */
    public static WindowsVersion read(Ntdll ntdll, Advapi32 advapi32) throws IOException {
        Memory info = new Memory(OSVERSIONINFOW_SIZE);
        info.clear();
        info.setInt(0, OSVERSIONINFOW_SIZE);
        int status = ntdll.RtlGetVersion(info);
        if (status != 0) {
            throw new IOException(String.format("RtlGetVersion failed: NTSTATUS 0x%08X", status));
        }
        Memory ubr = new Memory(4);
        ubr.setInt(0, 0);
        IntByReference size = new IntByReference(4);
        int error = advapi32.RegGetValueW(new Pointer(HKEY_LOCAL_MACHINE), WideStrings.encode(CURRENT_VERSION_KEY), WideStrings.encode("UBR"),
                RRF_RT_REG_DWORD, null, ubr, size);
        int revision = error == 0 ? ubr.getInt(0) : 0;
        return new WindowsVersion(info.getInt(4), info.getInt(8), info.getInt(12), revision);
    }
}
