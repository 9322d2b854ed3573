package io.layerd.daemon.cli;

import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.image.ContainerdUnpacker;
import io.layerd.daemon.image.ImageRecord;
import io.layerd.daemon.image.ImageStore;
import io.layerd.daemon.image.ManifestResolver;
import io.layerd.daemon.image.OciArchiveImporter;
import io.layerd.core.content.LocalContentStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code layerd image unpack}: images and their layers. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Unpack and import images into layerd's snapshotters; list imported ones.",
        subcommands = {ImageCommand.Unpack.class, ImageCommand.Import.class, ImageCommand.ListImages.class})
final class ImageCommand {
    private ImageCommand() {
    }

    /** The running daemon's data root: import and ls read and write its content and image stores directly. */
    private static Path daemonRoot(DaemonChannel daemon) {
        return Path.of(new AdminClient(daemon.channel()).version().getRoot());
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import an OCI image archive (tar) or OCI layout directory into layerd alone: blobs into the",
                    "daemon's local content store (<root>/content), layers unpacked onto its snapshotter under chain ids.",
                    "The daemon must read blobs from its local store (no [content] containerd_address)."})
    static final class Import implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Option(names = "--snapshotter", description = "layerd instance to unpack into (default: ${DEFAULT-VALUE})")
        String snapshotter = "lcow";
        @Option(names = "--platform", description = "os/architecture of the manifest to unpack (default: windows/amd64 for a "
                + "CimFS snapshotter, whose name contains \"cim\", else linux/amd64)")
        String platform;
        @Parameters(paramLabel = "SOURCE", description = "OCI archive (.tar) or OCI layout directory")
        Path source;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (DaemonChannel ld = new DaemonChannel(address.address)) {
                Path root = daemonRoot(ld);
                OciArchiveImporter.Result r = new OciArchiveImporter(new LocalContentStore(root.resolve("content")),
                        ImageStore.ofRoot(root), ld.channel(), snapshotter, out).importImage(source, ManifestResolver.platformFor(snapshotter, platform));
                out.printf(Locale.ROOT, "imported %s (manifest %s) into %s: %d layer(s) applied, %d already there, %.1f s; top chain id %s%n",
                        r.image(), r.manifest().digest(), snapshotter, r.applied(), r.skipped(), r.millis() / 1000.0,
                        r.chainIds().get(r.chainIds().size() - 1));
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true,
            description = {"List the images `layerd image import` recorded: name, target digest (as `ctr image ls` shows it),",
                    "snapshotter and top chain id (the parent for a container's snapshot)."})
    static final class ListImages implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Option(names = {"-q", "--quiet"}, description = "names only")
        boolean quiet;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (DaemonChannel ld = new DaemonChannel(address.address)) {
                Path root = daemonRoot(ld);
                Table table = new Table("NAME", "DIGEST", "SNAPSHOTTER", "TOP CHAIN ID", "IMPORTED");
                for (ImageRecord r : ImageStore.ofRoot(root).list()) {
                    if (quiet) {
                        out.println(r.name());
                    } else {
                        table.row(r.name(), r.target().digest(), r.snapshotter(), r.topChainId(), r.updated().toString());
                    }
                }
                if (!quiet) {
                    table.print(out);
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "unpack", mixinStandardHelpOptions = true,
            description = {"Unpack an image containerd already has (ctr image import/pull) into a layerd snapshotter,",
                    "through containerd's Snapshots API (so containerd records the chain) and layerd's Diff service.",
                    "For containerd 1.6, which cannot use a proxy differ."})
    static final class Unpack implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Option(names = "--containerd", paramLabel = "SOCKET", description = "containerd's socket (default: ${DEFAULT-VALUE})")
        Path containerd = Path.of("/run/containerd/containerd.sock");
        @Option(names = {"-n", "--namespace"}, description = "containerd namespace (default: ${DEFAULT-VALUE})")
        String namespace = "default";
        @Option(names = "--snapshotter", description = "proxy snapshotter name in containerd's config (default: ${DEFAULT-VALUE})")
        String snapshotter = "lcow";
        @Option(names = "--platform", description = "os/architecture of the manifest to unpack (default: windows/amd64 for a "
                + "CimFS snapshotter, whose name contains \"cim\", else linux/amd64)")
        String platform;
        @Parameters(paramLabel = "IMAGE", description = "image name as containerd lists it")
        String image;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (DaemonChannel ctd = new DaemonChannel(containerd); DaemonChannel ld = new DaemonChannel(address.address)) {
                ContainerdUnpacker.Result r = new ContainerdUnpacker(ctd.channel(), ld.channel(), namespace, snapshotter, out)
                        .unpack(image, ManifestResolver.platformFor(snapshotter, platform));
                out.printf(Locale.ROOT, "unpacked %s into %s: %d layer(s) applied, %d already there, %.1f s; top chain id %s%n",
                        r.image(), snapshotter, r.applied(), r.skipped(), r.millis() / 1000.0, r.chainIds().get(r.chainIds().size() - 1));
                out.flush();
            }
            return 0;
        }
    }
}
