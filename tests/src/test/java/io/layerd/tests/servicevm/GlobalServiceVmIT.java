package io.layerd.tests.servicevm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.api.servicevm.v1.Ext4Source;
import io.layerd.api.servicevm.v1.FormatRequest;
import io.layerd.api.servicevm.v1.InfoRequest;
import io.layerd.api.servicevm.v1.ListBlockDevicesRequest;
import io.layerd.api.servicevm.v1.MkdirRequest;
import io.layerd.api.servicevm.v1.MountRequest;
import io.layerd.api.servicevm.v1.PingRequest;
import io.layerd.api.servicevm.v1.ReadFileRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.api.servicevm.v1.SleepRequest;
import io.layerd.api.servicevm.v1.UnmountRequest;
import io.layerd.api.servicevm.v1.WriteFileRequest;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.lcow.vhd.VhdxFile;
import io.layerd.servicevm.manager.AttachedDisk;
import io.layerd.servicevm.manager.Lifetime;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.servicevm.manager.ServiceVmManager;
import io.layerd.servicevm.manager.VmStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One global service VM under QEMU: boot and ping, disk hot-plug of a raw image and a VHDX checked
 * on the host, 20 concurrent operations of 4 owners on one boot, and a VM killed under a request.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GlobalServiceVmIT {
    private static final Logger log = LoggerFactory.getLogger(GlobalServiceVmIT.class);
    private static Path dir;
    private static ServiceVmManager manager;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("ldvm-g");
        manager = VmFixture.manager(Lifetime.GLOBAL, dir.resolve("run"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (manager != null) {
            manager.close();
        }
        assertTrue(VmFixture.processesUsing(dir).isEmpty(), "no QEMU process outlives the manager");
        VmFixture.run("rm", "-rf", dir.toString());
    }

    @Test
    @Order(1)
    void bootsAndAnswersPing() throws Exception {
        try (ServiceVmLease lease = manager.acquire("boot")) {
            Response ping = VmFixture.call(lease, Request.newBuilder().setPing(PingRequest.getDefaultInstance()));
            assertTrue(ping.hasPing());
            Response info = VmFixture.call(lease, Request.newBuilder().setInfo(InfoRequest.getDefaultInstance()));
            assertTrue(info.getInfo().getKernel().endsWith("-amd64"), info.getInfo().getKernel());
            assertEquals("virtio-serial", info.getInfo().getTransport());
            VmStatus status = manager.status().get(0);
            log.info("service VM {} booted in {} ms with {} (guest kernel {})", status.id(), status.bootTime().toMillis(),
                    status.accelerator(), info.getInfo().getKernel());
            assertTrue(List.of("kvm", "tcg").contains(status.accelerator()), status.accelerator());
        }
    }

    @Test
    @Order(2)
    void rawImageAndVhdxAreHotPluggedFormattedWrittenAndCheckedOnTheHost() throws Exception {
        Path raw = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Path vhdx = dir.resolve("disk.vhdx");
        VhdxFile.create(vhdx, 64L << 20).close();
        try (ServiceVmLease lease = manager.acquire("disks")) {
            for (Path image : List.of(raw, vhdx)) {
                AttachedDisk disk = lease.attach(image, false);
                assertTrue(disk.device().startsWith("/dev/sd"), disk.device());
                Response devices = VmFixture.call(lease, Request.newBuilder().setListBlockDevices(ListBlockDevicesRequest.getDefaultInstance()));
                assertTrue(devices.getListBlockDevices().getDevicesList().stream().anyMatch(d -> d.getPath().equals(disk.device())
                        && d.getSizeBytes() == 64L << 20 && d.getScsiTarget() == disk.attachment().target()), devices.toString());
                VmFixture.call(lease, Request.newBuilder().setFormat(FormatRequest.newBuilder().setDevice(disk.device())));
                String name = image.getFileName().toString().replace('.', '-');
                VmFixture.call(lease, Request.newBuilder().setMount(MountRequest.newBuilder().setName(name)
                        .setExt4(Ext4Source.newBuilder().setDevice(disk.device()))));
                VmFixture.call(lease, Request.newBuilder().setMkdir(MkdirRequest.newBuilder().setMount(name).setPath("data/deep").setMode(0755).setParents(true)));
                byte[] content = ("written through the bridge into " + image.getFileName() + "\n").getBytes(StandardCharsets.UTF_8);
                lease.call(Request.newBuilder().setWriteFile(WriteFileRequest.newBuilder().setMount(name).setPath("data/deep/hello.txt")
                        .setMode(0644).setSize(content.length)).build(), Duration.ofMinutes(1), new ByteArrayInputStream(content), null);
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                lease.call(Request.newBuilder().setReadFile(ReadFileRequest.newBuilder().setMount(name).setPath("data/deep/hello.txt")).build(),
                        Duration.ofMinutes(1), null, back);
                assertEquals(new String(content, StandardCharsets.UTF_8), back.toString(StandardCharsets.UTF_8));
                VmFixture.call(lease, Request.newBuilder().setUnmount(UnmountRequest.newBuilder().setName(name)));
                lease.detach(disk);
                assertTrue(manager.status().get(0).disks().isEmpty(), "the disk is unplugged");

                Path check = image;
                if (image.equals(vhdx)) {
                    check = dir.resolve("vhdx-as-raw.img");
                    VmFixture.Result convert = VmFixture.run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", vhdx.toString(), check.toString());
                    assertEquals(0, convert.exit(), convert.output());
                }
                VmFixture.Result fsck = VmFixture.run("e2fsck", "-fn", check.toString());
                assertEquals(0, fsck.exit(), fsck.output());
                VmFixture.Result cat = VmFixture.run("debugfs", "-R", "cat /data/deep/hello.txt", check.toString());
                assertTrue(cat.output().contains(new String(content, StandardCharsets.UTF_8)), cat.output());
            }
        }
    }

    @Test
    @Order(3)
    void twentyConcurrentOperationsOfFourOwnersShareOneBoot() throws Exception {
        int bootsBefore = manager.bootCount();
        List<ServiceVmLease> leases = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            for (int o = 0; o < 4; o++) {
                leases.add(manager.acquire("owner-" + o));
            }
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ServiceVmLease lease = leases.get(i % 4);
                int n = i;
                Callable<String> op = () -> {
                    Request.Builder r = switch (n % 4) {
                        case 0 -> Request.newBuilder().setPing(PingRequest.getDefaultInstance());
                        case 1 -> Request.newBuilder().setInfo(InfoRequest.getDefaultInstance());
                        case 2 -> Request.newBuilder().setSleep(SleepRequest.newBuilder().setMillis(300));
                        default -> Request.newBuilder().setListBlockDevices(ListBlockDevicesRequest.getDefaultInstance());
                    };
                    VmFixture.call(lease, r);
                    return lease.vmId();
                };
                results.add(pool.submit(op));
            }
            List<String> vms = new ArrayList<>();
            for (Future<String> f : results) {
                vms.add(f.get());
            }
            assertEquals(1, vms.stream().distinct().count(), "every owner was served by the one global VM: " + vms);
            assertEquals(bootsBefore, manager.bootCount(), "no second boot");
            assertEquals(1, manager.status().size());
            assertEquals(List.of("owner-0", "owner-1", "owner-2", "owner-3"), manager.status().get(0).owners());
        } finally {
            pool.shutdownNow();
            leases.forEach(ServiceVmLease::close);
        }
    }

    @Test
    @Order(4)
    void aKilledVmFailsItsRequestWithUnavailableAndTheNextRequestBootsAFreshOne() throws Exception {
        try (ServiceVmLease lease = manager.acquire("crash")) {
            String before = lease.vmId();
            int boots = manager.bootCount();
            List<ProcessHandle> qemu = VmFixture.processesUsing(dir.resolve("run").resolve(before));
            assertEquals(1, qemu.size(), "one QEMU process for " + before);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Response> sleeping = pool.submit(() -> VmFixture.call(lease, Request.newBuilder().setSleep(SleepRequest.newBuilder().setMillis(60_000))));
                Thread.sleep(1500); // the request is in flight in the guest
                qemu.get(0).destroyForcibly();
                Exception e = assertThrows(Exception.class, sleeping::get);
                LayerdException le = (LayerdException) e.getCause();
                assertEquals(ErrorKind.UNAVAILABLE, le.kind(), le.getMessage());
                assertTrue(le.getMessage().contains("console log"), le.getMessage());
            } finally {
                pool.shutdownNow();
            }
            Response ping = VmFixture.call(lease, Request.newBuilder().setPing(PingRequest.getDefaultInstance()));
            assertTrue(ping.hasPing());
            assertNotEquals(before, lease.vmId(), "a fresh VM serves the next request");
            assertEquals(boots + 1, manager.bootCount());
        }
    }
}
