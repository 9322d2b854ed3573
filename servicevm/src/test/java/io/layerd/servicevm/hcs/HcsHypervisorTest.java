package io.layerd.servicevm.hcs;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.layerd.servicevm.hcs.FakeComputeCore.Outcome;
import io.layerd.servicevm.hypervisor.BridgeTransport;
import io.layerd.servicevm.hypervisor.DiskAttachment;
import io.layerd.servicevm.hypervisor.DiskFormat;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HcsHypervisorTest {
    @TempDir
    Path dir;

    private final FakeComputeCore core = new FakeComputeCore();
    private final FakeHost host = new FakeHost();
    private VmConfig config;

    @BeforeEach
    void bootFiles() throws IOException {
        Path boot = Files.createDirectories(dir.resolve("boot"));
        Files.writeString(boot.resolve(VmConfig.KERNEL), "kernel");
        Files.writeString(boot.resolve(VmConfig.INITRD), "initrd");
        config = new VmConfig("svm-1", boot, dir.resolve("run"), 512, 1, "");
    }

    /** The host facilities, faked: HCS through {@link FakeComputeCore}, listeners that hand out queued transports. */
    private final class FakeHost implements HcsHost {
        final List<FakeListener> listeners = new ArrayList<>();

        @Override
        public HcsClient hcs() {
            return new HcsClient(core, core);
        }

        @Override
        public BridgeListener listen(UUID vmId, UUID serviceId) {
            core.calls.add("listen " + vmId + ":" + serviceId);
            FakeListener listener = new FakeListener(vmId, serviceId);
            listeners.add(listener);
            return listener;
        }
    }

    private static final class FakeListener implements BridgeListener {
        final BlockingQueue<BridgeTransport> guests = new LinkedBlockingQueue<>();
        final UUID vmId;
        final UUID serviceId;
        volatile boolean closed;

        FakeListener(UUID vmId, UUID serviceId) {
            this.vmId = vmId;
            this.serviceId = serviceId;
        }

        @Override
        public BridgeTransport accept(Duration timeout) throws IOException {
            try {
                return guests.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override
        public String describe() {
            return "hvsock " + vmId + ":" + serviceId;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final class GuestConnection implements BridgeTransport {
        final InputStream in = new ByteArrayInputStream(new byte[0]);
        final OutputStream out = new ByteArrayOutputStream();

        @Override
        public InputStream input() {
            return in;
        }

        @Override
        public OutputStream output() {
            return out;
        }

        @Override
        public String describe() {
            return "guest";
        }

        @Override
        public void close() {
        }
    }

    private VirtualMachine start() throws IOException {
        return new HcsHypervisor(host).start(config);
    }

    private Path disk(String name) throws IOException {
        return Files.writeString(dir.resolve(name), "disk");
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void startOffWindowsSaysWhatItNeedsAndLeavesNothingBehind() {
        IOException e = assertThrows(IOException.class, () -> new HcsHypervisor().start(config));

        assertTrue(e.getMessage().startsWith("HCS needs Windows 10 1809+ with Hyper-V"), e.getMessage());
        assertFalse(Files.exists(config.runtimeDir()), "runtime directory created for a VM that cannot start");
        assertEquals("hcs", new HcsHypervisor().name());
    }

    @Test
    void startCreatesQueriesListensThenStarts() throws Exception {
        try (VirtualMachine vm = start()) {
            assertEquals(List.of("HcsCreateComputeSystem", "HcsGetComputeSystemProperties",
                    "listen " + FakeComputeCore.RUNTIME_ID + ":40000000-facb-11e6-bd58-64006a7986d3", "HcsStartComputeSystem"),
                    core.hcsCalls().subList(0, 4));
            assertEquals("svm-1", core.inputs.get("id"));
            JsonObject document = JsonParser.parseString(core.inputs.get("HcsCreateComputeSystem")).getAsJsonObject();
            assertEquals(config.kernel().toAbsolutePath().toString(), document.getAsJsonObject("VirtualMachine")
                    .getAsJsonObject("Chipset").getAsJsonObject("LinuxKernelDirect").get("KernelFilePath").getAsString());
            assertEquals(HcsClient.timeoutMillis(HcsHypervisor.CREATE_TIMEOUT), core.waitTimeouts.get("HcsCreateComputeSystem"));

            assertEquals("svm-1", vm.id());
            assertEquals("hyper-v", vm.accelerator());
            assertTrue(vm.isRunning());
            assertEquals(config.runtimeDir().toAbsolutePath().resolve("console.log"), vm.consoleLog());
            assertTrue(Files.readString(vm.consoleLog()).contains("not captured"));
        }
    }

    @Test
    void bridgeIsTheConnectionTheGuestMakes() throws Exception {
        try (VirtualMachine vm = start()) {
            GuestConnection guest = new GuestConnection();
            host.listeners.get(0).guests.add(guest);

            assertSame(guest, vm.connectBridge(Duration.ofSeconds(5)));
        }
    }

    @Test
    void bridgeTimeoutNamesTheSocketAndTheMissingConsole() throws Exception {
        try (VirtualMachine vm = start()) {
            IOException e = assertThrows(IOException.class, () -> vm.connectBridge(Duration.ofMillis(300)));

            assertTrue(e.getMessage().contains("hvsock " + FakeComputeCore.RUNTIME_ID), e.getMessage());
            assertTrue(e.getMessage().contains("console"), e.getMessage());
        }
    }

    @Test
    void disksTakeTheLowestFreeLunOfControllerZero() throws Exception {
        Path layer = disk("layer.vhd");
        Path scratch = disk("sandbox.vhdx");
        try (VirtualMachine vm = start()) {
            DiskAttachment first = vm.attach(layer, DiskFormat.RAW, true);
            DiskAttachment second = vm.attach(scratch, DiskFormat.VHDX, false);

            assertEquals(0, first.target());
            assertEquals(0, first.lun());
            assertEquals(1, second.lun());
            assertEquals("VirtualMachine/Devices/Scsi/df6d0690-79e5-55b6-a5ec-c1e2f77f580a/Attachments/1", second.handle());
            assertEquals(List.of(layer.toAbsolutePath().toString(), scratch.toAbsolutePath().toString()), core.grantedPaths);

            JsonObject add = JsonParser.parseString(core.modifyRequests.get(1)).getAsJsonObject();
            assertEquals("Add", add.get("RequestType").getAsString());
            assertEquals(second.handle(), add.get("ResourcePath").getAsString());
            assertEquals(scratch.toAbsolutePath().toString(), add.getAsJsonObject("Settings").get("Path").getAsString());
            assertFalse(add.getAsJsonObject("Settings").get("ReadOnly").getAsBoolean());

            vm.detach(first);
            JsonObject remove = JsonParser.parseString(core.modifyRequests.get(2)).getAsJsonObject();
            assertEquals("Remove", remove.get("RequestType").getAsString());
            assertEquals(first.handle(), remove.get("ResourcePath").getAsString());
            assertEquals(List.of(second), vm.disks());

            DiskAttachment third = vm.attach(disk("other.vhd"), DiskFormat.RAW, true);
            assertEquals(0, third.lun(), "freed LUN is reused");
            assertEquals(List.of(third, second), vm.disks());
        }
    }

    @Test
    void attachRefusesWhatHyperVCannotOpenBeforeAskingHcs() throws Exception {
        try (VirtualMachine vm = start()) {
            int before = core.modifyRequests.size();
            IOException raw = assertThrows(IOException.class, () -> vm.attach(disk("image.img"), DiskFormat.RAW, true));
            assertTrue(raw.getMessage().contains("fixed VHD"), raw.getMessage());
            assertThrows(IOException.class, () -> vm.attach(disk("named.vhd"), DiskFormat.VHDX, true));
            assertThrows(IOException.class, () -> vm.attach(dir.resolve("missing.vhd"), DiskFormat.RAW, true));
            assertEquals(before, core.modifyRequests.size());
            assertTrue(core.grantedPaths.isEmpty());
        }
    }

    @Test
    void failedHotAddLeavesTheLunFree() throws Exception {
        try (VirtualMachine vm = start()) {
            core.script("HcsModifyComputeSystem", Outcome.failsWhenWaited(HResult.HCS_E_INVALID_STATE, null));
            assertThrows(HcsException.class, () -> vm.attach(disk("a.vhd"), DiskFormat.RAW, true));
            assertTrue(vm.disks().isEmpty());

            core.script("HcsModifyComputeSystem", Outcome.ok());
            assertEquals(0, vm.attach(disk("b.vhd"), DiskFormat.RAW, true).lun());
        }
    }

    @Test
    void detachOfAForeignDiskFails() throws Exception {
        try (VirtualMachine vm = start()) {
            DiskAttachment stranger = new DiskAttachment(dir.resolve("x.vhd"), DiskFormat.RAW, true, 0, 5, "elsewhere");
            assertThrows(IOException.class, () -> vm.detach(stranger));
        }
    }

    @Test
    void closeTerminatesWaitsForTheExitThenClosesTheHandle() throws Exception {
        VirtualMachine vm = start();
        vm.close();

        List<String> calls = core.hcsCalls();
        assertTrue(calls.contains("HcsTerminateComputeSystem"), calls.toString());
        int exitReturned = calls.indexOf("HcsWaitForComputeSystemExit returned");
        assertTrue(exitReturned > calls.indexOf("HcsTerminateComputeSystem"), calls.toString());
        assertEquals(calls.size() - 1, calls.indexOf("HcsCloseComputeSystem"), "handle closed last: " + calls);
        assertTrue(exitReturned < calls.indexOf("HcsCloseComputeSystem"), calls.toString());
        assertTrue(host.listeners.get(0).closed);
        assertFalse(vm.isRunning());
        assertTrue(vm.exited().isDone());
        assertTrue(Files.exists(vm.consoleLog()), "console log is kept");

        vm.close();
        assertEquals(1, core.hcsCalls().stream().filter("HcsCloseComputeSystem"::equals).count(), "close is idempotent");
        assertThrows(IOException.class, () -> vm.attach(disk("late.vhd"), DiskFormat.RAW, true));
    }

    @Test
    void stopThatShutsDownCleanlyDoesNotTerminate() throws Exception {
        try (VirtualMachine vm = start()) {
            vm.stop(Duration.ofSeconds(10));

            assertTrue(vm.exited().isDone());
            assertFalse(core.hcsCalls().contains("HcsTerminateComputeSystem"), core.hcsCalls().toString());
            assertEquals(10_000, core.waitTimeouts.get("HcsShutDownComputeSystem"));
        }
        assertFalse(core.hcsCalls().contains("HcsTerminateComputeSystem"), "close after stop has nothing to terminate");
    }

    @Test
    void stopTerminatesWhenShutdownFails() throws Exception {
        core.script("HcsShutDownComputeSystem", Outcome.failsWhenWaited(HResult.HCS_E_OPERATION_TIMEOUT, null));
        try (VirtualMachine vm = start()) {
            vm.stop(Duration.ofMillis(100));

            assertTrue(vm.exited().isDone());
            List<String> calls = core.hcsCalls();
            assertTrue(calls.indexOf("HcsShutDownComputeSystem") < calls.indexOf("HcsTerminateComputeSystem"), calls.toString());
        }
    }

    @Test
    void stopTerminatesWhenTheHostHasNoShutdownFunction() throws Exception {
        core.missing.add("HcsShutDownComputeSystem");
        try (VirtualMachine vm = start()) {
            vm.stop(Duration.ofSeconds(5));

            assertTrue(vm.exited().isDone());
            assertTrue(core.hcsCalls().contains("HcsTerminateComputeSystem"), core.hcsCalls().toString());
        }
    }

    @Test
    void exitedCompletesWhenTheVmStopsOnItsOwn() throws Exception {
        try (VirtualMachine vm = start()) {
            core.stopped.countDown();
            vm.exited().get(5, TimeUnit.SECONDS);

            assertFalse(vm.isRunning());
            IOException e = assertThrows(IOException.class, () -> vm.connectBridge(Duration.ofSeconds(5)));
            assertTrue(e.getMessage().contains("stopped before its agent connected"), e.getMessage());
        }
    }

    @Test
    void failedStartTerminatesClosesAndStopsListening() throws IOException {
        core.script("HcsStartComputeSystem", Outcome.failsWhenWaited(HResult.HCS_E_TERMINATED_DURING_START,
                "{\"ErrorMessage\":\"The virtual machine could not be started.\"}"));

        IOException e = assertThrows(IOException.class, this::start);

        assertTrue(e.getMessage().contains("HCS_E_TERMINATED_DURING_START"), e.getMessage());
        assertTrue(e.getMessage().contains("could not be started"), e.getMessage());
        assertTrue(host.listeners.get(0).closed);
        List<String> calls = core.hcsCalls();
        assertEquals(List.of("HcsTerminateComputeSystem", "HcsCloseComputeSystem"), calls.subList(calls.size() - 2, calls.size()));
        assertFalse(calls.contains("HcsWaitForComputeSystemExit"), "nothing waits on a system that never ran");
    }

    @Test
    void propertiesWithoutRuntimeIdFailTheStartBeforeListening() throws IOException {
        core.properties = "{\"Id\":\"svm-1\",\"State\":\"Created\"}";

        IOException e = assertThrows(IOException.class, this::start);

        assertTrue(e.getMessage().contains("RuntimeId"), e.getMessage());
        assertTrue(host.listeners.isEmpty());
        assertTrue(core.hcsCalls().contains("HcsCloseComputeSystem"));
        assertFalse(core.hcsCalls().contains("HcsStartComputeSystem"));
    }

    @Test
    void missingBootFileFailsBeforeCreatingAnything() throws IOException {
        Files.delete(config.initrd());

        IOException e = assertThrows(IOException.class, this::start);

        assertTrue(e.getMessage().contains(VmConfig.INITRD), e.getMessage());
        assertTrue(core.calls.isEmpty());
    }

    @Test
    void moreCpusThanTheHostHasAreReducedToWhatItHas() {
        VmConfig eight = new VmConfig("svm-1", dir, dir, 512, 8, "x=1");

        VmConfig fitted = HcsHypervisor.fitToHost(eight, 4);
        assertEquals(4, fitted.cpus());
        assertEquals("x=1", fitted.kernelArgs());
        assertSame(eight, HcsHypervisor.fitToHost(eight, 16));
    }

    @Test
    void runtimeIdIsReadFromTheProperties() throws IOException {
        assertEquals(FakeComputeCore.RUNTIME_ID, HcsHypervisor.runtimeId(core.properties, "svm-1"));
        assertThrows(IOException.class, () -> HcsHypervisor.runtimeId("{\"RuntimeId\":\"not-a-guid\"}", "svm-1"));
        assertThrows(IOException.class, () -> HcsHypervisor.runtimeId("not json {", "svm-1"));
        assertThrows(IOException.class, () -> HcsHypervisor.runtimeId("", "svm-1"));
    }
}
