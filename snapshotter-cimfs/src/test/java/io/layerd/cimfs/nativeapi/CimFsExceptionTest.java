package io.layerd.cimfs.nativeapi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The HRESULT rule: negative fails; facility 7 wraps a Win32 error in the low 16 bits. */
class CimFsExceptionTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            0x80070005, 5,   'CimCreateFile(Files\\a.txt) failed: HRESULT 0x80070005 (Win32 error 5)'
            0x800700B7, 183, 'CimCreateFile(Files\\a.txt) failed: HRESULT 0x800700B7 (Win32 error 183)'
            0x80070020, 32,  'CimCreateFile(Files\\a.txt) failed: HRESULT 0x80070020 (Win32 error 32)'
            0xC0070002, 2,   'CimCreateFile(Files\\a.txt) failed: HRESULT 0xC0070002 (Win32 error 2)'
            0x8000FFFF, -1,  'CimCreateFile(Files\\a.txt) failed: HRESULT 0x8000FFFF'
            0x80370100, -1,  'CimCreateFile(Files\\a.txt) failed: HRESULT 0x80370100'
            0x80004005, -1,  'CimCreateFile(Files\\a.txt) failed: HRESULT 0x80004005'
            0x80000007, -1,  'CimCreateFile(Files\\a.txt) failed: HRESULT 0x80000007'
            """)
    void failuresCarryTheHresultAndTheWin32Error(String hex, int win32, String message) {
        int hr = (int) Long.parseLong(hex.substring(2), 16);
        CimFsException e = assertThrows(CimFsException.class, () -> CimFsException.check(hr, "CimCreateFile", "Files\\a.txt"));
        assertEquals(message, e.getMessage());
        assertEquals(hr, e.hresult());
        assertEquals(win32 < 0 ? OptionalInt.empty() : OptionalInt.of(win32), e.win32Error());
    }

    @Test
    void sOkSFalseAndOtherNonNegativeValuesSucceed() throws CimFsException {
        assertEquals(0, CimFsException.check(CimFsException.S_OK, "CimCommitImage", "x"));
        assertEquals(1, CimFsException.check(CimFsException.S_FALSE, "CimCommitImage", "x"));
        assertEquals(0x00070005, CimFsException.check(0x00070005, "CimCommitImage", "x"));
        assertEquals(Integer.MAX_VALUE, CimFsException.check(Integer.MAX_VALUE, "CimCommitImage", "x"));
        assertThrows(CimFsException.class, () -> CimFsException.check(Integer.MIN_VALUE, "CimCommitImage", "x"));
    }
}
