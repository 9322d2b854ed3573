package io.layerd.servicevm.hcs;

import com.sun.jna.Pointer;
import io.layerd.servicevm.hcs.FakeComputeCore.Outcome;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HcsClientTest {
    private final FakeComputeCore core = new FakeComputeCore();
    private final HcsClient hcs = new HcsClient(core, core);
    private final HcsSystem system = new HcsSystem(FakeComputeCore.SYSTEM_HANDLE, "svm-1");

    @Test
    void callWithoutResultDocumentRunsTheOperationProtocolInOrder() throws Exception {
        hcs.start(system, Duration.ofSeconds(5));

        assertEquals(List.of("HcsCreateOperation", "HcsStartComputeSystem", "HcsWaitForOperationResult", "HcsCloseOperation"),
                core.calls);
        assertEquals(5000, core.waitTimeouts.get("HcsStartComputeSystem"));
    }

    @Test
    void resultDocumentIsReadThenFreedBeforeTheOperationIsClosed() throws Exception {
        String properties = hcs.properties(system, null, Duration.ofSeconds(30));

        assertEquals(core.properties, properties);
        assertEquals(List.of("HcsCreateOperation", "HcsGetComputeSystemProperties", "HcsWaitForOperationResult", "LocalFree",
                "HcsCloseOperation"), core.calls);
        assertEquals(core.handedOut, core.freed);
    }

    @Test
    void failingWaitRaisesTheMappedErrorAndStillFreesAndCloses() {
        String error = "{\"Error\":-2143878898,\"ErrorMessage\":\"A virtual machine or container with the specified identifier does not exist.\"}";
        core.script("HcsStartComputeSystem", Outcome.failsWhenWaited(HResult.HCS_E_SYSTEM_NOT_FOUND, error));

        HcsException e = assertThrows(HcsException.class, () -> hcs.start(system, null));

        assertEquals(HResult.HCS_E_SYSTEM_NOT_FOUND, e.hresult());
        assertEquals("HcsStartComputeSystem", e.call());
        assertEquals(error, e.resultDocument());
        assertEquals("HcsStartComputeSystem \"svm-1\": 0x8037010E HCS_E_SYSTEM_NOT_FOUND: " + error, e.getMessage());
        assertEquals(List.of("HcsCreateOperation", "HcsStartComputeSystem", "HcsWaitForOperationResult", "LocalFree",
                "HcsCloseOperation"), core.calls);
        assertEquals(1, core.freed.size());
        assertEquals(core.handedOut, core.freed);
    }

    @Test
    void callThatFailsToStartIsNotWaitedForButItsOperationIsClosed() {
        core.script("HcsTerminateComputeSystem", Outcome.failsToStart(HResult.HCS_E_INVALID_STATE));

        HcsException e = assertThrows(HcsException.class, () -> hcs.terminate(system, Duration.ofSeconds(1)));

        assertEquals(HResult.HCS_E_INVALID_STATE, e.hresult());
        assertEquals(List.of("HcsCreateOperation", "HcsTerminateComputeSystem", "HcsCloseOperation"), core.calls);
    }

    @Test
    void noOperationHandleFailsBeforeAnyCall() {
        core.operationsExhausted = true;

        HcsException e = assertThrows(HcsException.class, () -> hcs.shutDown(system, Duration.ofSeconds(1)));

        assertEquals(HResult.E_OUTOFMEMORY, e.hresult());
        assertEquals(List.of("HcsCreateOperation"), core.calls);
    }

    @Test
    void createPassesIdAndDocumentAsWideStringsAndReturnsTheHandle() throws Exception {
        HcsSystem created = hcs.create("svm-ü", "{\"Owner\":\"layerd\"}", null);

        assertEquals("svm-ü", core.inputs.get("id"));
        assertEquals("{\"Owner\":\"layerd\"}", core.inputs.get("HcsCreateComputeSystem"));
        assertEquals(FakeComputeCore.SYSTEM_HANDLE, created.getPointer());
        assertEquals("svm-ü", created.id());
        assertEquals(HcsClient.INFINITE, core.waitTimeouts.get("HcsCreateComputeSystem"));
    }

    @Test
    void createThatFailsAfterHandingOutAHandleClosesIt() {
        core.script("HcsCreateComputeSystem", Outcome.failsWhenWaited(HResult.HCS_E_INVALID_JSON, "{\"ErrorMessage\":\"bad\"}"));

        HcsException e = assertThrows(HcsException.class, () -> hcs.create("svm-1", "{", Duration.ofSeconds(1)));

        assertEquals(HResult.HCS_E_INVALID_JSON, e.hresult());
        assertEquals(List.of("HcsCreateOperation", "HcsCreateComputeSystem", "HcsWaitForOperationResult", "LocalFree",
                "HcsCloseOperation", "HcsCloseComputeSystem"), core.calls);
    }

    @Test
    void modifySendsTheRequestDocument() throws Exception {
        hcs.modify(system, "{\"RequestType\":\"Remove\"}", Duration.ofMinutes(1));

        assertEquals(List.of("{\"RequestType\":\"Remove\"}"), core.modifyRequests);
        assertEquals(60_000, core.waitTimeouts.get("HcsModifyComputeSystem"));
    }

    @Test
    void failingExitWaitRaisesAndFreesItsDocument() {
        core.exit = new Outcome(HResult.S_OK, HResult.HCS_E_SERVICE_DISCONNECT, "{\"ErrorMessage\":\"gone\"}");
        core.stopped.countDown();

        HcsException e = assertThrows(HcsException.class, () -> hcs.awaitExit(system));

        assertEquals(HResult.HCS_E_SERVICE_DISCONNECT, e.hresult());
        assertEquals(core.handedOut, core.freed);
    }

    @Test
    void refusedVmAccessNamesTheFile() {
        core.grantResult = 0x80070005;

        HcsException e = assertThrows(HcsException.class, () -> hcs.grantVmAccess("svm-1", Path.of("/layers/7/layer.vhd")));

        assertTrue(e.getMessage().contains("E_ACCESSDENIED"), e.getMessage());
        assertTrue(e.getMessage().contains("/layers/7/layer.vhd"), e.getMessage());
        assertEquals(List.of("/layers/7/layer.vhd"), core.grantedPaths);
    }

    @Test
    void timeoutsBecomeDwordMilliseconds() {
        assertEquals(0xFFFF_FFFF, HcsClient.timeoutMillis(null));
        assertEquals(-1, HcsClient.timeoutMillis(null), "INFINITE is all ones");
        assertEquals(1500, HcsClient.timeoutMillis(Duration.ofMillis(1500)));
        assertEquals(0, HcsClient.timeoutMillis(Duration.ofSeconds(-3)));
        assertEquals(0xFFFF_FFFE, HcsClient.timeoutMillis(Duration.ofDays(365)), "long timeouts stay finite");
        assertEquals(0xFFFF_FFFE, HcsClient.timeoutMillis(Duration.ofSeconds(Long.MAX_VALUE)));
    }

    @Test
    void nullResultDocumentIsNotFreed() throws Exception {
        hcs.terminate(system, Duration.ofSeconds(1));

        assertTrue(core.freed.isEmpty());
        assertEquals(List.<Pointer>of(), core.handedOut);
    }

    @Test
    void missingExportBecomesAnHcsErrorAndTheOperationIsStillClosed() {
        core.missing.add("HcsShutDownComputeSystem");

        HcsException e = assertThrows(HcsException.class, () -> hcs.shutDown(system, Duration.ofSeconds(1)));

        assertEquals(HResult.ERROR_PROC_NOT_FOUND, e.hresult());
        assertTrue(e.getMessage().startsWith("HcsShutDownComputeSystem \"svm-1\": 0x8007007F ERROR_PROC_NOT_FOUND: "), e.getMessage());
        assertEquals(List.of("HcsCreateOperation", "HcsCloseOperation"), core.calls);
    }

    @Test
    void missingExitWaitAndGrantExportsAreHcsErrorsToo() {
        core.missing.add("HcsWaitForComputeSystemExit");
        core.missing.add("HcsGrantVmAccess");

        assertEquals(HResult.ERROR_PROC_NOT_FOUND, assertThrows(HcsException.class, () -> hcs.awaitExit(system)).hresult());
        assertEquals(HResult.ERROR_PROC_NOT_FOUND,
                assertThrows(HcsException.class, () -> hcs.grantVmAccess("svm-1", Path.of("/l.vhd"))).hresult());
    }
}
