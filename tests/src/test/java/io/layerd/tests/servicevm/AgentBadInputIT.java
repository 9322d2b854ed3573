package io.layerd.tests.servicevm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.FormatRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.PingRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.servicevm.bridge.BridgeClient;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.bridge.BridgeProtocol;
import io.layerd.servicevm.hypervisor.DiskAttachment;
import io.layerd.servicevm.hypervisor.DiskFormat;
import io.layerd.servicevm.hypervisor.VirtualMachine;
import io.layerd.servicevm.hypervisor.VmConfig;
import io.layerd.api.servicevm.v1.WaitForDeviceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The real agent in a real VM, spoken to directly over its bridge: bad requests get clear errors
 * with errno codes, and after each one the agent still answers.
 */
class AgentBadInputIT {
    private static final Duration T = Duration.ofMinutes(1);
    private static Path dir;
    private static VirtualMachine vm;
    private static BridgeClient bridge;

    @BeforeAll
    static void boot() throws Exception {
        dir = Files.createTempDirectory("ldvm-b");
        vm = VmFixture.qemu().start(new VmConfig("bad-input", VmFixture.bootFiles(), dir.resolve("vm"), 512, 1, ""));
        bridge = new BridgeClient(vm.connectBridge(T), () -> "VM gone; console " + vm.consoleLog());
        bridge.handshake(Duration.ofMinutes(3));
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (vm != null) {
            vm.close();
        }
        assertTrue(VmFixture.processesUsing(dir).isEmpty());
        VmFixture.run("rm", "-rf", dir.toString());
    }

    private static BridgeException refused(Request.Builder r) {
        return assertThrows(BridgeException.class, () -> bridge.call(r.build(), T));
    }

    private static void stillServing() throws Exception {
        assertTrue(bridge.call(Request.newBuilder().setPing(PingRequest.getDefaultInstance()).build(), T).hasPing());
    }

    @Test
    void unknownDevice() throws Exception {
        BridgeException e = refused(Request.newBuilder().setFormat(FormatRequest.newBuilder().setDevice("/dev/sdzz")));
        assertEquals("ENODEV", e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("/dev/sdzz"), e.getMessage());
        stillServing();
    }

    @Test
    void badMountOptionsAndPathsEscapingTheMount() throws Exception {
        Path image = dir.resolve("bad.raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        DiskAttachment disk = vm.attach(image, DiskFormat.RAW, false);
        String device = bridge.call(Request.newBuilder().setWaitForDevice(WaitForDeviceRequest.newBuilder()
                .setScsiTarget(disk.target()).setScsiLun(disk.lun())).build(), T).getDevice().getPath();
        bridge.call(Request.newBuilder().setFormat(FormatRequest.newBuilder().setDevice(device)).build(), T);

        BridgeException e = refused(Request.newBuilder().setMount(MountRequest.newBuilder().setName("m")
                .setExt4(Ext4Source.newBuilder().setDevice(device).addOptions("ro;reboot"))));
        assertEquals("EINVAL", e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("ro;reboot"), e.getMessage());
        e = refused(Request.newBuilder().setMount(MountRequest.newBuilder().setName("m")
                .setExt4(Ext4Source.newBuilder().setDevice(device).addOptions("no_such_option_zz"))));
        assertTrue(e.getMessage().contains("no_such_option_zz") || e.getMessage().toLowerCase().contains("mount"), e.getMessage());
        stillServing();

        bridge.call(Request.newBuilder().setMount(MountRequest.newBuilder().setName("m").setExt4(Ext4Source.newBuilder().setDevice(device))).build(), T);
        for (String path : List.of("../../etc/passwd", "/etc/passwd", "lost+found/../../x")) {
            BridgeException escape = refused(Request.newBuilder().setStat(StatRequest.newBuilder().setMount("m").setPath(path)));
            assertTrue(escape.getMessage().contains("escapes") || escape.code().equals("EINVAL") || escape.code().equals("EACCES"),
                    path + ": " + escape.getMessage());
        }
        stillServing();
        bridge.call(Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName("m")).build(), T);
        vm.detach(disk);
    }

    @Test
    void oversizedFrame() throws Exception {
        bridge.codec().writeRaw(new byte[BridgeProtocol.MAX_FRAME_BYTES + 1]);
        var error = bridge.awaitUnsolicitedError(T);
        assertNotNull(error, "the agent answers an oversized frame with an error");
        assertEquals("EMSGSIZE", error.getCode(), error.getMessage());
        stillServing();
    }

    @Test
    void wrongProtocolVersion() throws Exception {
        BridgeException e = assertThrows(BridgeException.class, () -> bridge.handshake(99, 120, T, Duration.ofSeconds(5)));
        assertEquals("EPROTONOSUPPORT", e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("99"), e.getMessage());
        stillServing();
    }
}
