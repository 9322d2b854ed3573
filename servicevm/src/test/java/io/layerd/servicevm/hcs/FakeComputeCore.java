package io.layerd.servicevm.hcs;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * computecore.dll and LocalFree in memory: records every call in order, decodes the documents it
 * is given, and answers as scripted (S_OK with no document unless told otherwise). A compute
 * system "stops" when a terminate or shut-down operation succeeds, which releases
 * HcsWaitForComputeSystemExit.
 */
final class FakeComputeCore implements ComputeCore, Kernel32 {
    static final UUID RUNTIME_ID = UUID.fromString("a42e7cda-d03f-480c-9cc2-a4de20abb878");
    static final Pointer SYSTEM_HANDLE = new Pointer(0x5000);

    /** What one HCS function does: the HRESULT of the starting call, of the wait, and the document the wait returns. */
    record Outcome(int started, int result, String document) {
        static Outcome ok() {
            return new Outcome(HResult.S_OK, HResult.S_OK, null);
        }

        static Outcome ok(String document) {
            return new Outcome(HResult.S_OK, HResult.S_OK, document);
        }

        static Outcome failsWhenWaited(int result, String document) {
            return new Outcome(HResult.S_OK, result, document);
        }

        static Outcome failsToStart(int started) {
            return new Outcome(started, HResult.HCS_E_OPERATION_NOT_STARTED, null);
        }
    }

    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    /** Last document each function received (configuration, request, query, id). */
    final Map<String, String> inputs = new ConcurrentHashMap<>();
    final List<String> modifyRequests = Collections.synchronizedList(new ArrayList<>());
    final List<String> grantedPaths = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Integer> waitTimeouts = new ConcurrentHashMap<>();
    final List<Pointer> handedOut = Collections.synchronizedList(new ArrayList<>());
    final List<Pointer> freed = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch stopped = new CountDownLatch(1);

    volatile String properties = "{\"Id\":\"svm-1\",\"State\":\"Created\",\"RuntimeId\":\"" + RUNTIME_ID + "\"}";
    volatile boolean operationsExhausted;
    volatile int grantResult = HResult.S_OK;
    volatile Outcome exit = Outcome.ok("{\"ExitType\":\"Terminated\"}");
    /** Functions this "DLL" does not export: calling them fails the way JNA fails a missing symbol. */
    final Set<String> missing = ConcurrentHashMap.newKeySet();

    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Map<Pointer, String> operationOwners = new ConcurrentHashMap<>();
    /** Documents handed to the code under test stay referenced so that JNA does not free them early. */
    private final List<Memory> documents = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong nextHandle = new AtomicLong(0x1000);

    void script(String function, Outcome outcome) {
        outcomes.put(function, outcome);
    }

    /** Calls without the per-operation plumbing, for asserting which HCS functions ran in which order. */
    List<String> hcsCalls() {
        synchronized (calls) {
            return calls.stream()
                    .filter(c -> !List.of("HcsCreateOperation", "HcsWaitForOperationResult", "HcsCloseOperation", "LocalFree").contains(c))
                    .toList();
        }
    }

    private Outcome outcome(String function) {
        Outcome scripted = outcomes.get(function);
        if (scripted != null) {
            return scripted;
        }
        return function.equals("HcsGetComputeSystemProperties") ? Outcome.ok(properties) : Outcome.ok();
    }

    private void lookUp(String function) {
        if (missing.contains(function)) {
            throw new UnsatisfiedLinkError("Error looking up function '" + function + "': The specified procedure could not be found.");
        }
    }

    private int begin(String function, HcsOperation operation, Pointer document) {
        lookUp(function);
        calls.add(function);
        if (document != null) {
            inputs.put(function, WideStrings.decode(document));
        }
        operationOwners.put(operation.getPointer(), function);
        return outcome(function).started();
    }

    private void handOut(String document, PointerByReference target) {
        if (document != null) {
            Memory text = WideStrings.encode(document);
            documents.add(text);
            handedOut.add(text);
            target.setValue(text);
        }
    }

    @Override
    public HcsOperation HcsCreateOperation(Pointer context, Pointer callback) {
        calls.add("HcsCreateOperation");
        return operationsExhausted ? null : new HcsOperation(new Pointer(nextHandle.incrementAndGet()));
    }

    @Override
    public void HcsCloseOperation(HcsOperation operation) {
        calls.add("HcsCloseOperation");
    }

    @Override
    public int HcsWaitForOperationResult(HcsOperation operation, int timeoutMs, PointerByReference resultDocument) {
        calls.add("HcsWaitForOperationResult");
        String function = operationOwners.get(operation.getPointer());
        waitTimeouts.put(function, timeoutMs);
        Outcome outcome = outcome(function);
        handOut(outcome.document(), resultDocument);
        if (!HResult.failed(outcome.result())
                && (function.equals("HcsTerminateComputeSystem") || function.equals("HcsShutDownComputeSystem"))) {
            stopped.countDown();
        }
        return outcome.result();
    }

    @Override
    public int HcsCreateComputeSystem(Pointer id, Pointer configuration, HcsOperation operation, Pointer securityDescriptor,
            PointerByReference computeSystem) {
        inputs.put("id", WideStrings.decode(id));
        int started = begin("HcsCreateComputeSystem", operation, configuration);
        if (!HResult.failed(started)) {
            computeSystem.setValue(SYSTEM_HANDLE);
        }
        return started;
    }

    @Override
    public int HcsStartComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer options) {
        return begin("HcsStartComputeSystem", operation, options);
    }

    @Override
    public int HcsModifyComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer configuration, Pointer identity) {
        modifyRequests.add(WideStrings.decode(configuration));
        return begin("HcsModifyComputeSystem", operation, configuration);
    }

    @Override
    public int HcsShutDownComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer options) {
        return begin("HcsShutDownComputeSystem", operation, options);
    }

    @Override
    public int HcsTerminateComputeSystem(HcsSystem computeSystem, HcsOperation operation, Pointer options) {
        return begin("HcsTerminateComputeSystem", operation, options);
    }

    @Override
    public void HcsCloseComputeSystem(HcsSystem computeSystem) {
        calls.add("HcsCloseComputeSystem");
    }

    @Override
    public int HcsGetComputeSystemProperties(HcsSystem computeSystem, HcsOperation operation, Pointer propertyQuery) {
        return begin("HcsGetComputeSystemProperties", operation, propertyQuery);
    }

    @Override
    public int HcsWaitForComputeSystemExit(HcsSystem computeSystem, int timeoutMs, PointerByReference result) {
        lookUp("HcsWaitForComputeSystemExit");
        calls.add("HcsWaitForComputeSystemExit");
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                return HResult.HCS_E_OPERATION_TIMEOUT;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HResult.HCS_E_OPERATION_TIMEOUT;
        }
        Outcome outcome = exit;
        handOut(outcome.document(), result);
        calls.add("HcsWaitForComputeSystemExit returned");
        return outcome.result();
    }

    @Override
    public int HcsGrantVmAccess(Pointer vmId, Pointer filePath) {
        lookUp("HcsGrantVmAccess");
        calls.add("HcsGrantVmAccess");
        grantedPaths.add(WideStrings.decode(filePath));
        return grantResult;
    }

    @Override
    public Pointer LocalFree(Pointer memory) {
        calls.add("LocalFree");
        freed.add(memory);
        return null;
    }
}
