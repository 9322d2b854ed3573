package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.types.Descriptor;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarReader;
import io.layerd.daemon.cli.AdminClient;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.grpc.ProtoMapping;
import io.layerd.tests.CliRun;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * A container's changes, made with {@code layerd snapshot cp-in|rm|mv} through the global service
 * VM, diffed by layerd's Compare: the layer applied over the parent tree — by GNU tar with
 * whiteout handling, and by layerd's own Apply into a new layer.vhd — gives exactly the
 * container's view; and the layer holds the same entries as the one containerd's walking differ
 * makes on an overlayfs chain of the same image after the same changes made on the host.
 */
class LcowChangesIT {
    private static final Duration STEP = Duration.ofMinutes(2);

    @RegisterExtension
    final ContainerdFixture containerd = new ContainerdFixture(LcowContainers.config("")).formattingScratchInServiceVm();

    @TempDir
    Path tmp;

    @Test
    void containerChangesDiffedByLayerdReproduceTheContainersViewAndMatchContainerdsWalkingDiffer() throws Exception {
        Path archive = tmp.resolve("multi.tar");
        List<String> chain = LcowUnpack.importAndUnpack(containerd, archive, TestImages.multiLayer(archive));
        String top = chain.get(chain.size() - 1);
        Path host = hostChanges();

        containerd.step("prepare the container and its parent view");
        LcowContainers.create(containerd, false, "container", top);
        LcowContainers.create(containerd, true, "container-parent", top);
        String container = layerdKey("container");
        String parentView = layerdKey("container-parent");

        containerd.step("change the container with layerd snapshot cp-in / rm / mv");
        cli("cp-in", container, host.resolve("new-dir").toString(), "new-dir");
        cli("cp-in", container, host.resolve("appdir").toString(), "opt/app");   // a file replaced by a directory
        cli("cp-in", container, host.resolve("motd").toString(), "etc/motd");    // chown + xattr of a lower file
        cli("rm", "-r", container, "home/user");                                   // a directory of a lower layer
        cli("mv", container, "etc/hostname", "etc/hostname.old");
        CliRun ls = cli("ls", container, "new-dir");
        assertTrue(ls.out().lines().anyMatch(l -> l.matches("-rw-r-----\\s+1234\\s+5678\\s+6\\s.*\\sa\\.txt"))
                && ls.out().contains("sym -> a.txt"), ls.text());
        CliRun stat = cli("stat", container, "opt/app");
        assertTrue(stat.out().startsWith("opt/app: dir drwxr-xr-x"), stat.text());

        containerd.step("grow the container's scratch with a larger size label; a smaller one is refused");
        String sizeLabel = "containerd.io/snapshot/io.microsoft.container.storage.rootfs.size-gb";
        containerd.snapshotsOk("label", "container", sizeLabel + "=21");
        Path sandbox = directoryOf(container).resolve("sandbox.vhdx");
        assertEquals(21L << 30, ext4Bytes(sandbox), "the ext4 inside fills the grown disk");
        CommandResult shrink = containerd.snapshots("label", "container", sizeLabel + "=19");
        assertTrue(!shrink.ok() && shrink.stderr().contains("shrinking is refused"), shrink.describe());

        containerd.step("Diff of the container against its parent view");
        Descriptor diff = LcowContainers.diff(containerd, "container-parent", "container", "container-changes");
        Path blob = tmp.resolve("layerd-diff.tar.gz");
        LcowContainers.contentGet(containerd, diff.getDigest(), blob);

        containerd.step("the same layer through layerd's Apply into a new snapshot, committed");
        LcowContainers.create(containerd, false, "extract-changes", top);
        try (DaemonChannel channel = new DaemonChannel(containerd.containerdSocket());
             DaemonChannel layerd = new DaemonChannel(containerd.layerdSocket())) {
            GrpcSnapshotter viaContainerd = new GrpcSnapshotter(channel.channel(), ContainerdFixture.SNAPSHOTTER, ContainerdFixture.NAMESPACE);
            var applied = DiffGrpc.newBlockingStub(layerd.channel()).withInterceptors(LcowContainers.namespace())
                    .apply(ApplyRequest.newBuilder().setDiff(diff)
                            .addMounts(ProtoMapping.mount(LcowContainers.onlyMount(viaContainerd.mounts("extract-changes")))).build());
            assertTrue(applied.getApplied().getDigest().startsWith("sha256:"), applied.toString());
        }
        containerd.snapshotsOk("commit", "changes-layer", "extract-changes");
        Map<String, String> layerdEntries = layerEntries(blob);
        for (String whiteout : List.of("home/.wh.user", "etc/.wh.hostname")) {
            assertTrue(layerdEntries.containsKey(whiteout), whiteout + " in " + layerdEntries.keySet());
        }
        assertTrue(layerdEntries.get("opt/app").startsWith("DIRECTORY"), layerdEntries.get("opt/app"));
        assertTrue(!layerdEntries.containsKey("opt/app/.wh..wh..opq"),
                "a directory that replaced a file hides no parent directory: no opaque marker");

        containerd.step("file commands refuse what they cannot do, with the status and the reason");
        assertRefused("FAILED_PRECONDITION", "read-only", "rm", layerdKey("changes-layer"), "etc/motd");
        assertRefused("FAILED_PRECONDITION", "read-only", "mv", parentView, "etc/motd", "etc/motd2");
        assertRefused("NOT_FOUND", "no-such-snapshot", "ls", "no-such-snapshot", "");
        assertRefused("NOT_FOUND", "etc/missing", "stat", container, "etc/missing");
        assertRefused("INVALID_ARGUMENT", "escapes", "cat", container, "../etc/passwd");
        assertRefused("FAILED_PRECONDITION", "not empty", "rm", container, "usr");

        containerd.step("the container's view, the parent tree and the Apply result, copied out with cp-out");
        Path view = cpOut(container, "container-view");
        Path parentTree = cpOut(parentView, "parent-tree");
        Path appliedTree = cpOut(layerdKey("changes-layer"), "applied-tree");
        Map<String, String> expected = TreeCapture.of(view);

        containerd.step("GNU tar with whiteout handling applies the layer over the parent tree");
        applyWithGnuTar(blob, parentTree);
        assertEquals(List.of(), TreeCapture.differences(expected, TreeCapture.of(parentTree)), "GNU tar over the parent tree");
        assertEquals(List.of(), TreeCapture.differences(expected, TreeCapture.of(appliedTree)), "layerd's Apply into layer.vhd");
        CommandResult fsck = Commands.run(STEP, List.of("e2fsck", "-fn",
                directoryOf(layerdKey("changes-layer")).resolve("layer.vhd").toString()));
        assertEquals(0, fsck.exitCode(), fsck.describe());

        containerd.step("containerd's walking differ on overlayfs, after the same changes made on the host");
        Map<String, String> walkingEntries = overlayfsDiff(archive, top, host);
        assertEquals(List.of(), TreeCapture.differences(withoutXattrs(walkingEntries), withoutXattrs(layerdEntries)),
                "layerd's Compare and containerd's walking differ write the same entries");
        assertTrue(layerdEntries.get("etc/motd").contains("xattr:user.changed="), "layerd's layer keeps the xattr: "
                + layerdEntries.get("etc/motd"));
        assertEquals(1, containerd.layerdDaemon().serviceVms().bootCount(),
                "global lifetime: formatting, every file operation, Compare and Apply shared one service VM boot");
    }

    /** The host files the container gets: owners, modes, an xattr, a hard link and a symlink. */
    private Path hostChanges() throws IOException {
        Path host = Files.createDirectories(tmp.resolve("host"));
        Path dir = Files.createDirectories(host.resolve("new-dir"));
        Files.setAttribute(dir, "unix:mode", 0755);
        Path a = Files.writeString(dir.resolve("a.txt"), "alpha\n");
        Files.setAttribute(a, "unix:uid", 1234);
        Files.setAttribute(a, "unix:gid", 5678);
        Files.setAttribute(a, "unix:mode", 0640);
        xattr(a, "test", "hello");
        Files.createLink(dir.resolve("a-link"), a);
        Files.createSymbolicLink(dir.resolve("sym"), Path.of("a.txt"));
        Path app = Files.createDirectories(host.resolve("appdir"));
        Files.setAttribute(app, "unix:mode", 0755);
        Files.writeString(app.resolve("inner.txt"), "inner\n");
        Files.setAttribute(app.resolve("inner.txt"), "unix:mode", 0644);
        Path motd = Files.writeString(host.resolve("motd"), "hello\n");
        Files.setAttribute(motd, "unix:uid", 42);
        Files.setAttribute(motd, "unix:gid", 42);
        Files.setAttribute(motd, "unix:mode", 0644);
        xattr(motd, "changed", "yes");
        return host;
    }

    private static void xattr(Path p, String name, String value) throws IOException {
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** The size of the ext4 file system inside a VHDX (qemu-img says the disk's, dumpe2fs the file system's). */
    private long ext4Bytes(Path vhdx) {
        CommandResult info = Commands.run(STEP, List.of("qemu-img", "info", "-f", "vhdx", "--output=json", vhdx.toString()));
        assertTrue(info.stdout().contains("\"virtual-size\": " + (21L << 30)), info.describe());
        Path raw = tmp.resolve("grown.raw");
        assertTrue(Commands.run(STEP, List.of("qemu-img", "convert", "-f", "vhdx", "-O", "raw", vhdx.toString(), raw.toString())).ok());
        CommandResult fsck = Commands.run(STEP, List.of("e2fsck", "-fn", raw.toString()));
        assertEquals(0, fsck.exitCode(), fsck.describe());
        CommandResult dump = Commands.run(STEP, List.of("dumpe2fs", "-h", raw.toString()));
        assertTrue(dump.ok(), dump.describe());
        long blocks = Long.parseLong(field(dump.stdout(), "Block count"));
        long blockSize = Long.parseLong(field(dump.stdout(), "Block size"));
        try {
            Files.delete(raw);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return blocks * blockSize;
    }

    private static String field(String dumpe2fs, String name) {
        return dumpe2fs.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).trim()).findFirst()
                .orElseThrow(() -> new AssertionError(name + " in\n" + dumpe2fs));
    }

    private Path directoryOf(String layerdKey) {
        try (DaemonChannel channel = new DaemonChannel(containerd.layerdSocket())) {
            return new AdminClient(channel.channel()).storedSnapshots(ContainerdFixture.SNAPSHOTTER).stream()
                    .filter(s -> s.getKey().equals(layerdKey)).map(s -> Path.of(s.getDirectory())).findFirst()
                    .orElseThrow(() -> new AssertionError("layerd lists " + layerdKey));
        }
    }

    private String layerdKey(String key) {
        return LcowContainers.layerdKey(containerd, key);
    }

    private CliRun cli(String command, String... args) {
        return LcowContainers.files(containerd, command, args);
    }

    private void assertRefused(String status, String reason, String command, String... args) {
        CliRun run = CliRun.of(LcowContainers.filesArgs(containerd, command, args));
        assertEquals(1, run.exit(), run.text());
        assertTrue(run.err().contains(status) && run.err().contains(reason), status + " / " + reason + ":\n" + run.text());
    }

    private Path cpOut(String key, String name) {
        Path to = tmp.resolve(name);
        cli("cp-out", key, "", to.toString());
        return to;
    }

    /**
     * What an OCI runtime's unpacker does: remove what the whiteouts name (an opaque marker
     * empties its directory of the parents' files), then extract everything else with GNU tar.
     */
    private void applyWithGnuTar(Path blob, Path tree) throws IOException {
        for (String name : layerEntries(blob).keySet()) {
            int slash = name.lastIndexOf('/');
            String dir = name.substring(0, slash + 1);
            String base = name.substring(slash + 1);
            if (base.equals(".wh..wh..opq")) {
                try (var children = Files.list(tree.resolve(dir))) {
                    for (Path c : children.toList()) {
                        assertEquals(0, Commands.run(STEP, List.of("rm", "-rf", c.toString())).exitCode());
                    }
                }
            } else if (base.startsWith(".wh.")) {
                assertEquals(0, Commands.run(STEP, List.of("rm", "-rf", tree.resolve(dir + base.substring(4)).toString())).exitCode());
            }
        }
        CommandResult tar = Commands.run(STEP, List.of("tar", "-xzpf", blob.toString(), "--xattrs", "--xattrs-include=*",
                "--numeric-owner", "--exclude=.wh.*", "-C", tree.toString()));
        assertEquals(0, tar.exitCode(), tar.describe());
    }

    /**
     * The same image unpacked by containerd for overlayfs, the same changes made through the host
     * mount of a prepared snapshot, and {@code ctr snapshots diff}: the walking differ's layer.
     */
    private Map<String, String> overlayfsDiff(Path archive, String top, Path host) throws IOException {
        CommandResult imported = containerd.ctr("image", "import", "--snapshotter", "overlayfs", archive.toString());
        assertTrue(imported.ok(), imported.describe());
        Path rootfs = Files.createDirectories(tmp.resolve("overlayfs-container"));
        CommandResult prepare = containerd.ctr("snapshots", "--snapshotter", "overlayfs", "prepare", "--target", rootfs.toString(),
                "ovl-container", top);
        assertTrue(prepare.ok(), prepare.describe());
        assertTrue(Commands.run(STEP, List.of(prepare.stdout().trim().split("\\s+"))).ok(), "mount " + prepare.stdout());
        try {
            sh("cp -a '" + host.resolve("new-dir") + "' '" + rootfs.resolve("new-dir") + "'");
            sh("rm '" + rootfs.resolve("opt/app") + "' && cp -a '" + host.resolve("appdir") + "' '" + rootfs.resolve("opt/app") + "'");
            sh("rm '" + rootfs.resolve("etc/motd") + "' && cp -a '" + host.resolve("motd") + "' '" + rootfs.resolve("etc/motd") + "'");
            sh("rm -r '" + rootfs.resolve("home/user") + "'");
            sh("mv '" + rootfs.resolve("etc/hostname") + "' '" + rootfs.resolve("etc/hostname.old") + "'");
        } finally {
            Commands.run(STEP, List.of("umount", rootfs.toString()));
        }
        // ctr writes the layer itself to standard output.
        Path blob = tmp.resolve("walking-diff.tar.gz");
        sh("ctr -a " + containerd.containerdSocket() + " snapshots --snapshotter overlayfs diff ovl-container > '" + blob + "'");
        return layerEntries(blob);
    }

    /**
     * The entries without extended attributes other than security.capability: containerd's tar
     * writer records that one only (archive/tar.go), so its layers drop user.* attributes that
     * layerd's keep — checked above through the trees, which compare every attribute.
     */
    private static Map<String, String> withoutXattrs(Map<String, String> entries) {
        Map<String, String> out = new TreeMap<>();
        entries.forEach((name, line) -> out.put(name, line.replaceAll(" xattr:(?!security\\.capability=)[^ ]*", "")));
        return out;
    }

    private void sh(String command) {
        CommandResult r = Commands.run(STEP, List.of("sh", "-c", command));
        assertEquals(0, r.exitCode(), r.describe());
    }

    /** Every entry of a gzip layer by name: type, mode, owner, size, content digest, link and xattrs (no times). */
    static Map<String, String> layerEntries(Path blob) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(blob)); TarReader tar = new TarReader(in)) {
            for (TarEntry e; (e = tar.next()) != null; ) {
                MessageDigest sha = sha256();
                byte[] buf = new byte[1 << 16];
                for (int n; (n = tar.read(buf, 0, buf.length)) > 0; ) {
                    sha.update(buf, 0, n);
                }
                String name = e.name().startsWith("./") ? e.name().substring(2) : e.name();
                name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
                StringBuilder line = new StringBuilder(e.type() + " " + Integer.toOctalString(e.mode() & 07777) + " " + e.uid() + ":" + e.gid());
                if (e.type() == TarEntry.Type.FILE) {
                    line.append(" size=").append(e.size()).append(" sha256=").append(HexFormat.of().formatHex(sha.digest()));
                }
                if (!e.linkName().isEmpty()) {
                    line.append(" -> ").append(e.linkName());
                }
                e.xattrs().forEach((k, v) -> line.append(" xattr:").append(k).append('=').append(HexFormat.of().formatHex(v)));
                out.put(name, line.toString());
            }
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
