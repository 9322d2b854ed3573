package io.layerd.cimfs.nativeapi;

import com.sun.jna.Platform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link WindowsVersion} (RtlGetVersion, RegGetValueW) and {@link CimFsProbe} through the recorder. */
class NativeWindowsVersionTest {
    @TempDir
    Path dir;
    private NativeRecorder recorder;

    @BeforeEach
    void start() {
        recorder = NativeRecorder.start(dir);
    }

    private WindowsVersion read() throws IOException {
        return WindowsVersion.read(NativeRecorder.bind(WindowsVersion.Ntdll.class), NativeRecorder.bind(WindowsVersion.Advapi32.class));
    }

    @Test
    void buildFromRtlGetVersionAndRevisionFromTheRegistry() throws IOException {
        recorder.control().recorder_set_version(20348, 2031);
        assertEquals(new WindowsVersion(10, 0, 20348, 2031), read());
        assertEquals(276, recorder.only("RtlGetVersion").number("infoSize"));
        NativeRecorder.Call reg = recorder.only("RegGetValueW");
        assertEquals(0xFFFFFFFF80000002L, reg.pointer("hkey"), "HKEY_LOCAL_MACHINE, sign-extended");
        assertEquals("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", reg.string("subKey"));
        assertEquals("UBR", reg.string("value"));
        assertEquals(0x10, reg.number("flags"));
        assertTrue(reg.isNull("type"));
        assertEquals(4, reg.number("dataSize"));
    }

    @Test
    void aMissingRevisionCountsAsZeroAndAFailedVersionCallFails() throws IOException {
        recorder.control().recorder_set_version(20348, 2031);
        recorder.nextResult("RegGetValueW", 2); // ERROR_FILE_NOT_FOUND
        assertEquals(new WindowsVersion(10, 0, 20348, 0), read());
        recorder.nextResult("RtlGetVersion", 0xC0000001);
        IOException e = assertThrows(IOException.class, this::read);
        assertEquals("RtlGetVersion failed: NTSTATUS 0xC0000001", e.getMessage());
    }

    @Test
    void theProbeOnWindowsGatesTheVersionItReads() {
        recorder.control().recorder_set_version(20348, 2030);
        List<String> asked = new ArrayList<>();
        CimFsProbe.Result old = CimFsProbe.probe(true, "Windows Server 2022", this::read, dll -> asked.add(dll));
        assertFalse(old.supported());
        assertEquals("Windows build 20348.2030: CimFS needs build 26100 or later, or 20348 from revision 2031", old.reason());
        assertTrue(asked.get(0).endsWith("\\System32\\cimfs.dll"), asked.toString());
        assertTrue(asked.get(1).endsWith("\\System32\\cimwriter.dll"), asked.toString());

        recorder.control().recorder_set_version(20348, 2031);
        CimFsProbe.Result backport = CimFsProbe.probe(true, "Windows Server 2022", this::read, dll -> dll.endsWith("cimfs.dll"));
        assertTrue(backport.supported());
        assertEquals(new CimFsSupport(20348, 2031, true, false), backport.host());
        assertEquals("Windows build 20348.2031: CimFS is supported", backport.reason());

        CimFsProbe.Result noDll = CimFsProbe.probe(true, "Windows", this::read, dll -> false);
        assertFalse(noDll.supported());
        assertEquals("Windows build 20348.2031: cimfs.dll does not load", noDll.reason());

        CimFsProbe.Result unreadable = CimFsProbe.probe(true, "Windows", () -> {
            throw new IOException("no ntdll");
        }, dll -> true);
        assertFalse(unreadable.supported());
        assertEquals("cannot read the Windows version: no ntdll", unreadable.reason());
    }

    @Test
    void offWindowsTheProbeSaysNoWithTheReason() {
        CimFsProbe.Result linux = CimFsProbe.probe(false, "Linux", () -> {
            throw new AssertionError("no version is read off Windows");
        }, dll -> {
            throw new AssertionError("no DLL is loaded off Windows");
        });
        assertFalse(linux.supported());
        assertNull(linux.host());
        assertEquals("CimFS needs Windows; this host runs Linux", linux.reason());
        if (!Platform.isWindows()) {
            CimFsProbe.Result here = CimFsProbe.probe();
            assertFalse(here.supported());
            assertEquals("CimFS needs Windows; this host runs " + System.getProperty("os.name"), here.reason());
        }
    }
}
