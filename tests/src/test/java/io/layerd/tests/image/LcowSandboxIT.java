package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.api.servicevm.v1.MkdirRequest;
import io.layerd.api.servicevm.v1.ReadFileRequest;
import io.layerd.api.servicevm.v1.RemoveRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.StatRequest;
import io.layerd.api.servicevm.v1.WriteFileRequest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.diff.v1.DiffRequest;
import io.layerd.core.snapshot.Mount;
import io.layerd.daemon.grpc.ProtoMapping;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.host.VmSnapshotView;
import io.layerd.lcow.SnapshotDisks;
import io.layerd.lcow.scratch.ScratchLayout;
import io.layerd.lcow.scratch.ScratchLabels;
import io.layerd.servicevm.bridge.BridgeException;
import io.layerd.servicevm.manager.ServiceVmLease;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import io.layerd.tests.servicevm.VmFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container on top of an image unpacked into LCOW layers, prepared the way containerd users do
 * ({@code ctr snapshots --snapshotter lcow prepare}) by a daemon that formats its scratch
 * templates in the service VM: the {@code sandbox.vhdx} is a VHDX qemu-img accepts, of the size
 * the labels ask for, and the service VM mounts it as ext4 — as the writable upper of an overlay
 * over the parent {@code layer.vhd} files the mount lists, which shows the image's files. Then
 * {@code ctr snapshots commit} of the changed container turns its scratch into a clean layer.vhd,
 * and a child prepared on it sees the changes.
 */
class LcowSandboxIT {
    private static final Duration VM_CALL = Duration.ofMinutes(2);

    @RegisterExtension
    final ContainerdFixture containerd = new ContainerdFixture(
            "[content]\ncontainerd_address = \"@CONTAINERD@\"\n" + vmSection()).formattingScratchInServiceVm();

    @TempDir
    Path tmp;

    @Test
    void ctrPrepareOnAnUnpackedImageGivesAScratchTheServiceVmMountsAsTheContainersUpperLayer() throws Exception {
        Path archive = tmp.resolve("multi.tar");
        List<String> chain = LcowUnpack.importAndUnpack(containerd, archive, TestImages.multiLayer(archive));
        String top = chain.get(chain.size() - 1);

        containerd.step("ctr snapshots prepare container-1 on the image (default size)");
        containerd.snapshotsOk("prepare", "container-1", top);
        try (DaemonChannel channel = new DaemonChannel(containerd.containerdSocket())) {
            GrpcSnapshotter viaContainerd = new GrpcSnapshotter(channel.channel(), ContainerdFixture.SNAPSHOTTER, ContainerdFixture.NAMESPACE);
            Mount mount = onlyMount(viaContainerd.mounts("container-1"));
            assertEquals("lcow-layer", mount.type());
            assertEquals("rw", mount.options().get(0));
            Path sandbox = Path.of(mount.source()).resolve("sandbox.vhdx");
            List<Path> parents = parentLayerPaths(mount);
            assertEquals(chain.size(), parents.size(), "every layer of the image is a parent: " + mount);
            for (Path p : parents) {
                assertTrue(Files.isRegularFile(p.resolve("layer.vhd")), p + " holds a layer.vhd");
            }
            assertVhdx(sandbox, 20L << 30);

            containerd.step("prepare container-2 with a size label through containerd's Snapshots API");
            Mount sized = onlyMount(viaContainerd.prepare("container-2", top,
                    Map.of(ScratchLabels.SIZE_GB, "2", "containerd.io/gc.root", "now")));
            assertVhdx(Path.of(sized.source()).resolve("sandbox.vhdx"), 2L << 30);

            containerd.step("the service VM mounts container-1's sandbox as the upper layer of the container's overlay");
            try (ServiceVmLease lease = containerd.layerdDaemon().serviceVms().acquire("lcow-sandbox-it")) {
                runContainerView(lease, sandbox, parents);
            }
            assertEquals("container\n", hostRead(sandbox, "upper/etc/hostname"), "the write went to the scratch's upper dir");

            containerd.step("Diff of the container against its parent view through layerd's Diff service");
            Mount parentView = onlyMount(viaContainerd.view("container-1-parent", top, Map.of("containerd.io/gc.root", "now")));
            try (DaemonChannel layerd = new DaemonChannel(containerd.layerdSocket())) {
                Metadata ns = new Metadata();
                ns.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), ContainerdFixture.NAMESPACE);
                var diff = DiffGrpc.newBlockingStub(layerd.channel()).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(ns))
                        .diff(DiffRequest.newBuilder().addLeft(ProtoMapping.mount(parentView)).addRight(ProtoMapping.mount(mount))
                                .setRef("container-1-diff").putLabels("containerd.io/gc.root", "now").build()).getDiff();
                assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", diff.getMediaType());
                Path blob = tmp.resolve("diff.tar.gz");
                CommandResult get = Commands.run(Duration.ofMinutes(1), List.of("sh", "-c", "ctr -a " + containerd.containerdSocket()
                        + " content get " + diff.getDigest() + " > " + blob));
                assertEquals(0, get.exitCode(), get.describe());
                assertEquals(diff.getSize(), Files.size(blob), "containerd's content store holds the blob");
                CommandResult list = Commands.run(Duration.ofMinutes(1), List.of("tar", "-tzvf", blob.toString()));
                assertEquals(0, list.exitCode(), list.describe());
                for (String name : List.of("etc/hostname", "bin/.wh.ping", "data/made-here")) {
                    assertTrue(list.stdout().contains(name), name + " in the diff:\n" + list.stdout());
                }
                CommandResult labels = containerd.ctr("content", "ls");
                assertTrue(labels.stdout().lines().anyMatch(l -> l.startsWith(diff.getDigest()) && l.contains("containerd.io/uncompressed=sha256:")),
                        labels.describe());
            }

            containerd.step("ctr snapshots commit of the changed container, then prepare a child on it");
            containerd.snapshotsOk("commit", "container-1-image", "container-1");
            Path layer = Path.of(mount.source()).resolve("layer.vhd");
            assertTrue(Files.isRegularFile(layer), "the container's scratch became " + layer);
            assertTrue(!Files.exists(sandbox), "the scratch is gone once committed");
            CommandResult fsck = Commands.run(Duration.ofMinutes(2), List.of("e2fsck", "-fn", layer.toString()));
            assertEquals(0, fsck.exitCode(), fsck.describe());
            containerd.snapshotsOk("prepare", "child", "container-1-image");
            Mount child = onlyMount(viaContainerd.mounts("child"));
            List<Path> childParents = parentLayerPaths(child);
            assertEquals(Path.of(mount.source()), childParents.get(0), "the committed container is the child's immediate parent");

            containerd.step("the child's view holds the container's changes");
            try (ServiceVmLease lease = containerd.layerdDaemon().serviceVms().acquire("lcow-sandbox-it");
                 VmSnapshotView view = view(lease, childParents, null)) {
                assertEquals("container\n", read(lease, view.mount(), "etc/hostname"));
                BridgeException removed = assertThrows(BridgeException.class, () -> stat(lease, view.mount(), "bin/ping"));
                assertEquals("ENOENT", removed.code(), removed.getMessage());
                assertEquals("dir", stat(lease, view.mount(), "data/made-here").getType());
                assertEquals("tool\n", read(lease, view.mount(), "bin/tool"), "what the container left alone");
            }
        }
    }

    /** The container's tree in the service VM: its parents' layer.vhd files, and the scratch as upper unless null. */
    private static VmSnapshotView view(ServiceVmLease lease, List<Path> parents, Path sandbox) throws IOException {
        return VmSnapshotView.open(lease, new SnapshotDisks("container", parents.stream().map(p -> p.resolve("layer.vhd")).toList(),
                Optional.ofNullable(sandbox), ScratchLayout.SINGLE));
    }

    /**
     * The container's view as a runtime makes it: reads the image's files, then changes some —
     * a changed file, a deleted lower file, a new directory.
     */
    private void runContainerView(ServiceVmLease lease, Path sandbox, List<Path> parents) throws IOException {
        try (VmSnapshotView view = view(lease, parents, sandbox)) {
            String rootfs = view.mount();
            assertEquals("changed\n", read(lease, rootfs, "etc/hostname"), "the top layer's file");
            assertEquals("c\n", read(lease, rootfs, "var/cache/c"));
            BridgeException deleted = assertThrows(BridgeException.class, () -> stat(lease, rootfs, "etc/passwd"));
            assertEquals("ENOENT", deleted.code(), "the upper layer's whiteout hides the base's file: " + deleted.getMessage());
            byte[] text = "container\n".getBytes(StandardCharsets.UTF_8);
            lease.call(Request.newBuilder().setWriteFile(WriteFileRequest.newBuilder().setMount(rootfs).setPath("etc/hostname")
                    .setMode(0644).setSize(text.length)).build(), VM_CALL, new ByteArrayInputStream(text), null);
            assertEquals("container\n", read(lease, rootfs, "etc/hostname"));
            lease.call(Request.newBuilder().setRemove(RemoveRequest.newBuilder().setMount(rootfs).setPath("bin/ping")).build());
            lease.call(Request.newBuilder().setMkdir(MkdirRequest.newBuilder().setMount(rootfs).setPath("data/made-here").setMode(0750)).build());
        }
    }

    private static io.layerd.api.servicevm.v1.FileInfo stat(ServiceVmLease lease, String mount, String path) throws IOException {
        return lease.call(Request.newBuilder().setStat(StatRequest.newBuilder().setMount(mount).setPath(path)).build()).getStat();
    }

    private static String read(ServiceVmLease lease, String mount, String path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        lease.call(Request.newBuilder().setReadFile(ReadFileRequest.newBuilder().setMount(mount).setPath(path)).build(), VM_CALL, null, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** qemu-img checks the VHDX and reports {@code virtualSize}. */
    private void assertVhdx(Path vhdx, long virtualSize) {
        assertTrue(Files.isRegularFile(vhdx), vhdx + " exists");
        CommandResult check = Commands.run(Duration.ofMinutes(1), List.of("qemu-img", "check", "-f", "vhdx", vhdx.toString()));
        assertEquals(0, check.exitCode(), check.describe());
        CommandResult info = Commands.run(Duration.ofMinutes(1), List.of("qemu-img", "info", "-f", "vhdx", "--output=json", vhdx.toString()));
        assertTrue(info.stdout().contains("\"virtual-size\": " + virtualSize), "virtual size " + virtualSize + ":\n" + info.describe());
    }

    /** The sandbox as a raw image: e2fsck must find it clean, then debugfs reads {@code path} out of it. */
    private String hostRead(Path sandbox, String path) {
        Path raw = tmp.resolve("sandbox.raw");
        CommandResult convert = Commands.run(Duration.ofMinutes(2), List.of("qemu-img", "convert", "-f", "vhdx", "-O", "raw",
                sandbox.toString(), raw.toString()));
        assertEquals(0, convert.exitCode(), convert.describe());
        CommandResult fsck = Commands.run(Duration.ofMinutes(2), List.of("e2fsck", "-fn", raw.toString()));
        assertEquals(0, fsck.exitCode(), fsck.describe());
        CommandResult cat = Commands.run(Duration.ofMinutes(1), List.of("debugfs", "-R", "cat /" + path, raw.toString()));
        assertEquals(0, cat.exitCode(), cat.describe());
        return cat.stdout();
    }

    private static Mount onlyMount(List<Mount> mounts) {
        assertEquals(1, mounts.size(), "an lcow-layer snapshot has exactly one mount: " + mounts);
        return mounts.get(0);
    }

    /** The {@code parentLayerPaths=} option's JSON array (immediate parent first), as the runtime reads it. */
    private static List<Path> parentLayerPaths(Mount mount) {
        String prefix = "parentLayerPaths=";
        String json = mount.options().stream().filter(o -> o.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " option: " + mount)).substring(prefix.length());
        List<Path> out = new ArrayList<>();
        if (json.equals("null")) {
            return out;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        while (m.find()) {
            out.add(Path.of(m.group(1).replace("\\\\", "\\").replace("\\/", "/")));
        }
        return out;
    }

    private static String vmSection() {
        try {
            return VmFixture.daemonConfigSection();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
