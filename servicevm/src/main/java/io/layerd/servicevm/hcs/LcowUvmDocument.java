package io.layerd.servicevm.hcs;

import com.google.gson.JsonObject;
import io.layerd.servicevm.hypervisor.VmConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The HCS compute-system document (schema 2.1) of a Linux utility VM that boots the service VM's
 * {@code kernel} and {@code initrd.img} directly (LinuxKernelDirect, no UEFI):
 *
 * <pre>
 * Owner "layerd", SchemaVersion 2.1, ShouldTerminateOnLastHandleClosed true
 * VirtualMachine
 *   StopOnReset true
 *   Chipset.LinuxKernelDirect {KernelFilePath, InitRdPath, KernelCmdLine}
 *   ComputeTopology {Memory {SizeInMB, AllowOvercommit true}, Processor {Count}}
 *   Devices
 *     Scsi {&lt;controller 0 GUID&gt;: {Attachments {}}}          disks are hot-added later
 *     HvSocket.HvSocketConfig {DefaultBindSecurityDescriptor, ServiceTable {&lt;bridge GUID&gt;: …}}
 * </pre>
 *
 * ShouldTerminateOnLastHandleClosed makes HCS kill the VM when the daemon's process dies, so a
 * crashed daemon leaves no VM behind.
 */
final class LcowUvmDocument {
    static final String OWNER = "layerd";
    /** hcsshim's fixed key of SCSI controller 0; the guest sees it as the VMBus instance id of the controller. */
    static final String SCSI_CONTROLLER_0 = "df6d0690-79e5-55b6-a5ec-c1e2f77f580a";
    /** SYSTEM and Administrators may bind and connect: the daemon runs as one of them. */
    static final String SYSTEM_AND_ADMINISTRATORS = "D:P(A;;FA;;;SY)(A;;FA;;;BA)";

    private LcowUvmDocument() {
    }

    static String json(VmConfig config) {
        return HcsJson.write(document(config));
    }

    static JsonObject document(VmConfig config) {
        JsonObject version = new JsonObject();
        version.addProperty("Major", 2);
        version.addProperty("Minor", 1);

        JsonObject system = new JsonObject();
        system.addProperty("Owner", OWNER);
        system.add("SchemaVersion", version);
        system.addProperty("ShouldTerminateOnLastHandleClosed", true);
        system.add("VirtualMachine", virtualMachine(config));
        return system;
    }

    private static JsonObject virtualMachine(VmConfig config) {
        JsonObject kernelDirect = new JsonObject();
        kernelDirect.addProperty("KernelFilePath", config.kernel().toAbsolutePath().toString());
        kernelDirect.addProperty("InitRdPath", config.initrd().toAbsolutePath().toString());
        kernelDirect.addProperty("KernelCmdLine", kernelCommandLine(config));
        JsonObject chipset = new JsonObject();
        chipset.add("LinuxKernelDirect", kernelDirect);

        JsonObject memory = new JsonObject();
        memory.addProperty("SizeInMB", memorySizeInMB(config.memoryMiB()));
        memory.addProperty("AllowOvercommit", true);
        JsonObject processor = new JsonObject();
        processor.addProperty("Count", config.cpus());
        JsonObject topology = new JsonObject();
        topology.add("Memory", memory);
        topology.add("Processor", processor);

        JsonObject vm = new JsonObject();
        vm.addProperty("StopOnReset", true);
        vm.add("Chipset", chipset);
        vm.add("ComputeTopology", topology);
        vm.add("Devices", devices());
        return vm;
    }

    private static JsonObject devices() {
        JsonObject controller = new JsonObject();
        controller.add("Attachments", new JsonObject());
        JsonObject scsi = new JsonObject();
        scsi.add(SCSI_CONTROLLER_0, controller);

        // The host listens and the guest connects, the shape hcsshim gives its host-side listeners.
        JsonObject bridge = new JsonObject();
        bridge.addProperty("BindSecurityDescriptor", SYSTEM_AND_ADMINISTRATORS);
        bridge.addProperty("ConnectSecurityDescriptor", SYSTEM_AND_ADMINISTRATORS);
        bridge.addProperty("AllowWildcardBinds", true);
        JsonObject serviceTable = new JsonObject();
        serviceTable.add(HvSocketIds.serviceIdForPort(HvSocketIds.BRIDGE_PORT).toString(), bridge);
        JsonObject config = new JsonObject();
        config.addProperty("DefaultBindSecurityDescriptor", SYSTEM_AND_ADMINISTRATORS);
        config.add("ServiceTable", serviceTable);
        JsonObject hvSocket = new JsonObject();
        hvSocket.add("HvSocketConfig", config);

        JsonObject devices = new JsonObject();
        devices.add("Scsi", scsi);
        devices.add("HvSocket", hvSocket);
        return devices;
    }

    /**
     * The kernel command line, in hcsshim's order for an initrd-booted LCOW VM, then layerd's own
     * arguments and finally {@link VmConfig#kernelArgs()} (last, so they can override):
     *
     * <pre>
     * initcall_blacklist=virtio_vsock_init   vsock must use hv_sock, not virtio (there is no virtio here)
     * 8250_core.nr_uarts=0                   no COM port is configured, so no serial console
     * panic=-1 quiet                         reboot on panic, which StopOnReset turns into an exit
     * pci=off                                no virtual PCI devices
     * nr_cpus=&lt;n&gt; brd.rd_nr=0 pmtmr=0        CPU count; no RAM disks; no ACPI PM timer
     * layerd.transport=vsock layerd.bridge_port=1073741824
     * </pre>
     */
    static String kernelCommandLine(VmConfig config) {
        List<String> args = new ArrayList<>(List.of(
                "initcall_blacklist=virtio_vsock_init",
                "8250_core.nr_uarts=0",
                "panic=-1", "quiet",
                "pci=off",
                "nr_cpus=" + config.cpus(), "brd.rd_nr=0", "pmtmr=0",
                "layerd.transport=vsock",
                "layerd.bridge_port=" + Integer.toUnsignedString(HvSocketIds.BRIDGE_PORT)));
        if (!config.kernelArgs().isBlank()) {
            args.add(config.kernelArgs().strip());
        }
        return String.join(" ", args);
    }

    /** HCS allocates guest memory in 2 MiB units (hcsshim rounds the same way). */
    static int memorySizeInMB(int memoryMiB) {
        return (memoryMiB + 1) / 2 * 2;
    }
}
