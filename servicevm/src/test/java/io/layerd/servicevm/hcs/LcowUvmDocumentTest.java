package io.layerd.servicevm.hcs;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.layerd.servicevm.hypervisor.VmConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LcowUvmDocumentTest {
    private static final Path BOOT = Path.of("/opt/layerd/boot");
    private static final VmConfig CONFIG = new VmConfig("svm-1", BOOT, Path.of("/run/layerd/svm-1"), 1024, 2, "layerd.debug=1");

    private static JsonObject parse(VmConfig config) {
        return JsonParser.parseString(LcowUvmDocument.json(config)).getAsJsonObject();
    }

    private static JsonObject at(JsonObject root, String... path) {
        JsonObject node = root;
        for (String key : path) {
            assertTrue(node.has(key), "missing " + key + " in " + node);
            node = node.getAsJsonObject(key);
        }
        return node;
    }

    @Test
    void topLevelIsAnOwnedSchema21SystemThatDiesWithItsLastHandle() {
        JsonObject doc = parse(CONFIG);

        assertEquals(List.of("Owner", "SchemaVersion", "ShouldTerminateOnLastHandleClosed", "VirtualMachine"),
                List.copyOf(doc.keySet()));
        assertEquals("layerd", doc.get("Owner").getAsString());
        assertEquals(2, at(doc, "SchemaVersion").get("Major").getAsInt());
        assertEquals(1, at(doc, "SchemaVersion").get("Minor").getAsInt());
        assertTrue(doc.get("ShouldTerminateOnLastHandleClosed").getAsBoolean());
        assertTrue(at(doc, "VirtualMachine").get("StopOnReset").getAsBoolean());
    }

    @Test
    void bootsKernelAndInitrdDirectly() {
        JsonObject chipset = at(parse(CONFIG), "VirtualMachine", "Chipset");

        assertEquals(List.of("LinuxKernelDirect"), List.copyOf(chipset.keySet()), "no UEFI");
        JsonObject direct = chipset.getAsJsonObject("LinuxKernelDirect");
        assertEquals("/opt/layerd/boot/kernel", direct.get("KernelFilePath").getAsString());
        assertEquals("/opt/layerd/boot/initrd.img", direct.get("InitRdPath").getAsString());
        assertEquals(LcowUvmDocument.kernelCommandLine(CONFIG), direct.get("KernelCmdLine").getAsString());
    }

    @Test
    void kernelCommandLineFollowsHcsshimOrderThenLayerdThenUserArguments() {
        String cmdline = LcowUvmDocument.kernelCommandLine(CONFIG);

        assertEquals("initcall_blacklist=virtio_vsock_init 8250_core.nr_uarts=0 panic=-1 quiet pci=off nr_cpus=2 brd.rd_nr=0"
                + " pmtmr=0 layerd.transport=vsock layerd.bridge_port=1073741824 layerd.debug=1", cmdline);
        List<String> inOrder = List.of("initcall_blacklist=virtio_vsock_init", "8250_core.nr_uarts=0", "panic=-1", "pci=off",
                "nr_cpus=2", "brd.rd_nr=0", "pmtmr=0", "layerd.transport=vsock", "layerd.bridge_port=1073741824", "layerd.debug=1");
        int last = -1;
        for (String piece : inOrder) {
            int at = cmdline.indexOf(piece);
            assertTrue(at > last, piece + " out of order in " + cmdline);
            last = at;
        }
    }

    @Test
    void withoutUserArgumentsTheLineEndsWithTheBridgePort() {
        VmConfig plain = new VmConfig("svm-2", BOOT, Path.of("/run/x"), 512, 4, "  ");
        String cmdline = LcowUvmDocument.kernelCommandLine(plain);

        assertTrue(cmdline.endsWith(" layerd.bridge_port=1073741824"), cmdline);
        assertTrue(cmdline.contains(" nr_cpus=4 "), cmdline);
        assertFalse(cmdline.contains("  "), "no double spaces: " + cmdline);
    }

    @Test
    void memoryAndProcessors() {
        JsonObject topology = at(parse(CONFIG), "VirtualMachine", "ComputeTopology");

        assertEquals(1024, topology.getAsJsonObject("Memory").get("SizeInMB").getAsInt());
        assertTrue(topology.getAsJsonObject("Memory").get("AllowOvercommit").getAsBoolean());
        assertEquals(2, topology.getAsJsonObject("Processor").get("Count").getAsInt());
    }

    @Test
    void memoryIsRoundedUpToWhole2MiBUnits() {
        VmConfig odd = new VmConfig("svm-3", BOOT, Path.of("/run/x"), 1025, 1, "");
        assertEquals(1026, at(parse(odd), "VirtualMachine", "ComputeTopology", "Memory").get("SizeInMB").getAsInt());
        assertEquals(128, LcowUvmDocument.memorySizeInMB(128));
    }

    @Test
    void oneEmptyScsiControllerUnderHcsshimsFirstControllerGuid() {
        JsonObject scsi = at(parse(CONFIG), "VirtualMachine", "Devices", "Scsi");

        assertEquals(List.of("df6d0690-79e5-55b6-a5ec-c1e2f77f580a"), List.copyOf(scsi.keySet()));
        JsonObject attachments = at(scsi, "df6d0690-79e5-55b6-a5ec-c1e2f77f580a", "Attachments");
        assertEquals(0, attachments.size());
    }

    @Test
    void hvSocketAllowsSystemAndAdministratorsAndListsTheBridgeService() {
        JsonObject config = at(parse(CONFIG), "VirtualMachine", "Devices", "HvSocket", "HvSocketConfig");

        assertEquals("D:P(A;;FA;;;SY)(A;;FA;;;BA)", config.get("DefaultBindSecurityDescriptor").getAsString());
        JsonObject table = config.getAsJsonObject("ServiceTable");
        assertEquals(List.of("40000000-facb-11e6-bd58-64006a7986d3"), List.copyOf(table.keySet()));
        JsonObject bridge = table.getAsJsonObject("40000000-facb-11e6-bd58-64006a7986d3");
        assertEquals("D:P(A;;FA;;;SY)(A;;FA;;;BA)", bridge.get("BindSecurityDescriptor").getAsString());
        assertEquals("D:P(A;;FA;;;SY)(A;;FA;;;BA)", bridge.get("ConnectSecurityDescriptor").getAsString());
        assertTrue(bridge.get("AllowWildcardBinds").getAsBoolean());
    }

    @Test
    void devicesAreOnlyScsiAndHvSocket() {
        assertEquals(List.of("Scsi", "HvSocket"), List.copyOf(at(parse(CONFIG), "VirtualMachine", "Devices").keySet()));
        assertEquals(List.of("StopOnReset", "Chipset", "ComputeTopology", "Devices"),
                List.copyOf(at(parse(CONFIG), "VirtualMachine").keySet()));
    }

    @Test
    void jsonTextKeepsEqualsSignsReadable() {
        String json = LcowUvmDocument.json(CONFIG);

        assertTrue(json.contains("panic=-1"), json);
        assertFalse(json.contains("\\u003d"), json);
        assertEquals(json, LcowUvmDocument.json(CONFIG), "same config, same bytes");
    }
}
