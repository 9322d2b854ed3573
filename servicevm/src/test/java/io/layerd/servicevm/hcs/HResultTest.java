package io.layerd.servicevm.hcs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HResultTest {
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "80370100, HCS_E_TERMINATED_DURING_START",
            "80370101, HCS_E_IMAGE_MISMATCH",
            "80370102, HCS_E_HYPERV_NOT_INSTALLED",
            "80370105, HCS_E_INVALID_STATE",
            "80370106, HCS_E_UNEXPECTED_EXIT",
            "80370107, HCS_E_TERMINATED",
            "80370108, HCS_E_CONNECT_FAILED",
            "80370109, HCS_E_CONNECTION_TIMEOUT",
            "8037010A, HCS_E_CONNECTION_CLOSED",
            "8037010D, HCS_E_INVALID_JSON",
            "8037010E, HCS_E_SYSTEM_NOT_FOUND",
            "8037010F, HCS_E_SYSTEM_ALREADY_EXISTS",
            "80370110, HCS_E_SYSTEM_ALREADY_STOPPED",
            "80370115, HCS_E_OPERATION_NOT_STARTED",
            "80370116, HCS_E_OPERATION_ALREADY_STARTED",
            "80370117, HCS_E_OPERATION_PENDING",
            "80370118, HCS_E_OPERATION_TIMEOUT",
            "8037011B, HCS_E_ACCESS_DENIED",
            "8037011E, HCS_E_SERVICE_DISCONNECT",
            "C0370103, VMCOMPUTE_OPERATION_PENDING",
            "80070005, E_ACCESSDENIED",
            "00000000, S_OK",
    })
    void referenceTableNames(String hex, String name) {
        int hresult = HResult.fromUnsigned(Long.parseLong(hex, 16));
        assertEquals(name, HResult.name(hresult));
        assertEquals("0x" + hex, HResult.hex(hresult));
    }

    @Test
    void signedAndUnsignedFormsAreTheSameHresult() {
        int fromDocument = -2143878898; // how HCS error documents carry 0x8037010E
        assertEquals(0x8037010E, fromDocument);
        assertEquals(fromDocument, HResult.fromUnsigned(0x8037010EL));
        assertEquals("HCS_E_SYSTEM_NOT_FOUND", HResult.name(fromDocument));
        assertEquals("0x8037010E", HResult.hex(fromDocument));
        assertEquals("0x8037010E HCS_E_SYSTEM_NOT_FOUND", HResult.describe(fromDocument));
    }

    @Test
    void failureIsTheSeverityBit() {
        assertTrue(HResult.failed(HResult.HCS_E_OPERATION_TIMEOUT));
        assertTrue(HResult.failed(HResult.VMCOMPUTE_OPERATION_PENDING));
        assertFalse(HResult.failed(HResult.S_OK));
        assertFalse(HResult.failed(1), "S_FALSE succeeds");
        assertFalse(HResult.failed(0x7FFF_FFFF));
    }

    @Test
    void unknownCodesKeepTheirHexAndSayWhatTheyAre() {
        assertEquals("unknown HRESULT", HResult.name(0x80379999));
        assertEquals("0x80379999 unknown HRESULT", HResult.describe(0x80379999));
        assertEquals("HRESULT_FROM_WIN32(1168)", HResult.name(0x80070490), "ERROR_NOT_FOUND wrapped");
        assertEquals("unknown HRESULT", HResult.name(1));
        assertEquals("0x00000001", HResult.hex(1));
    }

    @Test
    void valuesOutside32BitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> HResult.fromUnsigned(-1));
        assertThrows(IllegalArgumentException.class, () -> HResult.fromUnsigned(0x1_0000_0000L));
        assertEquals(-1, HResult.fromUnsigned(0xFFFF_FFFFL));
    }

    @Test
    void exceptionMessageWithoutDocumentEndsAtTheName() {
        HcsException e = new HcsException("HcsTerminateComputeSystem", "svm-1", 0x80370110, "  ");
        assertEquals("HcsTerminateComputeSystem \"svm-1\": 0x80370110 HCS_E_SYSTEM_ALREADY_STOPPED", e.getMessage());
        assertEquals("  ", e.resultDocument());
    }
}
