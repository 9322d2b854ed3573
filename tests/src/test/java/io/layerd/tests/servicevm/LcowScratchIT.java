package io.layerd.tests.servicevm;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.core.snapshot.Mount;
import io.layerd.daemon.host.ServiceVmScratchFormatter;
import io.layerd.lcow.LcowSnapshotter;
import io.layerd.lcow.scratch.ScratchLabels;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.Lifetime;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container scratch made as the daemon makes it: the LCOW snapshotter's template formatted by
 * mke2fs in a real service VM under QEMU, a Prepare's {@code sandbox.vhdx} copied from it, and
 * that copy accepted by qemu-img, mounted as ext4 by the service VM and checked by e2fsck.
 */
class LcowScratchIT {

    @Test
    void preparedSandboxIsAnExt4DiskTheServiceVmMounts() throws Exception {
        Path dir = Files.createTempDirectory("ldvm-scratch");
        Path root = dir.resolve("lcow");
        try (ServiceVmManager vms = VmFixture.manager(Lifetime.GLOBAL, dir.resolve("run"));
             LcowSnapshotter sn = new LcowSnapshotter(root, Optional.of(new ServiceVmScratchFormatter(vms)))) {
            // 1 GB keeps the format quick under TCG; the size path is the same as the 20 GB default's.
            List<Mount> mounts = sn.prepare("container-1", "", Map.of(ScratchLabels.SIZE_GB, "1"));
            Path sandbox = Path.of(mounts.get(0).source()).resolve("sandbox.vhdx");
            assertTrue(Files.isRegularFile(root.resolve("scratch_1.vhdx")), "the template is cached");
            assertEquals(1, vms.bootCount());

            VmFixture.Result check = VmFixture.run("qemu-img", "check", "-f", "vhdx", sandbox.toString());
            assertEquals(0, check.exit(), check.output());
            VmFixture.Result info = VmFixture.run("qemu-img", "info", "-f", "vhdx", "--output=json", sandbox.toString());
            assertTrue(info.output().contains("\"virtual-size\": " + (1L << 30)), info.output());

            try (ServiceVmLease lease = vms.acquire("container-1")) {
                AttachedDisk disk = lease.attach(sandbox, false);
                String name = lease.call(Request.newBuilder().setMount(MountRequest.newBuilder().setName("scratch")
                        .setExt4(Ext4Source.newBuilder().setDevice(disk.device()))).build()).getMount().getName();
                var lostFound = lease.call(Request.newBuilder().setStat(StatRequest.newBuilder().setMount(name)
                        .setPath("lost+found")).build()).getStat();
                assertEquals("dir", lostFound.getType(), "a fresh ext4 root holds lost+found");
                lease.call(Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName(name)).build());
                lease.detach(disk);
            }

            Path raw = dir.resolve("sandbox.raw");
            VmFixture.Result convert = VmFixture.run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", sandbox.toString(), raw.toString());
            assertEquals(0, convert.exit(), convert.output());
            VmFixture.Result fsck = VmFixture.run("e2fsck", "-fn", raw.toString());
            assertEquals(0, fsck.exit(), fsck.output());
        } finally {
            VmFixture.run("rm", "-rf", dir.toString());
        }
    }
}
