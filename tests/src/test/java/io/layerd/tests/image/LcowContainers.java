package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.diff.v1.DiffRequest;
import io.layerd.api.containerd.types.Descriptor;
import io.layerd.core.snapshot.Mount;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.grpc.ProtoMapping;
import io.layerd.tests.CliRun;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;
import io.layerd.tests.containerd.ContainerdFixture;
import io.layerd.tests.servicevm.VmFixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the LCOW container tests do through containerd and layerd: file commands, Diff, content. */
public final class LcowContainers {
    private LcowContainers() {
    }

    /** The fixture's daemon configuration: containerd's content store and a service VM ({@code extra} keys added to it). */
    public static String config(String extraServiceVmKeys) {
        try {
            return "[content]\ncontainerd_address = \"@CONTAINERD@\"\n" + VmFixture.daemonConfigSection() + extraServiceVmKeys;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** containerd's backend key of {@code key}: what `layerd snapshot list` shows. */
    public static String layerdKey(ContainerdFixture containerd, String key) {
        return containerd.layerdSnapshot(key).orElseThrow(() -> new AssertionError("layerd stores " + key)).name();
    }

    /** {@code layerd snapshot <command> --address … lcow <args>} (a leading option stays before the snapshotter). */
    public static CliRun files(ContainerdFixture containerd, String command, String... args) {
        CliRun run = CliRun.of(filesArgs(containerd, command, args));
        assertEquals(0, run.exit(), String.join(" ", filesArgs(containerd, command, args)) + "\n" + run.text());
        return run;
    }

    public static String[] filesArgs(ContainerdFixture containerd, String command, String... args) {
        List<String> all = new ArrayList<>(List.of("snapshot", command, "--address", containerd.layerdSocket().toString()));
        int first = 0;
        if (args.length > 0 && args[0].startsWith("-")) {
            all.add(args[0]);
            first = 1;
        }
        all.add(ContainerdFixture.SNAPSHOTTER);
        all.addAll(List.of(args).subList(first, args.length));
        return all.toArray(String[]::new);
    }

    /**
     * Prepare (or, with {@code view}, View) through containerd's Snapshots API, labelled as a GC
     * root as containerd's clients do it with leases: a snapshot nothing refers to is collected.
     */
    public static void create(ContainerdFixture containerd, boolean view, String key, String parent) {
        try (DaemonChannel channel = new DaemonChannel(containerd.containerdSocket())) {
            GrpcSnapshotter s = new GrpcSnapshotter(channel.channel(), ContainerdFixture.SNAPSHOTTER, ContainerdFixture.NAMESPACE);
            Map<String, String> root = Map.of("containerd.io/gc.root", "now");
            if (view) {
                s.view(key, parent, root);
            } else {
                s.prepare(key, parent, root);
            }
        }
    }

    /** layerd's Diff of containerd snapshot {@code right} against {@code left}, stored in containerd's content under {@code ref}. */
    public static Descriptor diff(ContainerdFixture containerd, String left, String right, String ref) {
        try (DaemonChannel channel = new DaemonChannel(containerd.containerdSocket());
             DaemonChannel layerd = new DaemonChannel(containerd.layerdSocket())) {
            GrpcSnapshotter viaContainerd = new GrpcSnapshotter(channel.channel(), ContainerdFixture.SNAPSHOTTER, ContainerdFixture.NAMESPACE);
            return DiffGrpc.newBlockingStub(layerd.channel()).withInterceptors(namespace()).diff(DiffRequest.newBuilder()
                    .addLeft(ProtoMapping.mount(onlyMount(viaContainerd.mounts(left))))
                    .addRight(ProtoMapping.mount(onlyMount(viaContainerd.mounts(right))))
                    .setRef(ref).putLabels("containerd.io/gc.root", "now").build()).getDiff();
        }
    }

    public static void contentGet(ContainerdFixture containerd, String digest, Path to) {
        CommandResult get = Commands.run(Duration.ofMinutes(2), List.of("sh", "-c",
                "ctr -a " + containerd.containerdSocket() + " content get " + digest + " > " + to));
        assertEquals(0, get.exitCode(), get.describe());
    }

    public static ClientInterceptor namespace() {
        Metadata ns = new Metadata();
        ns.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), ContainerdFixture.NAMESPACE);
        return MetadataUtils.newAttachHeadersInterceptor(ns);
    }

    public static Mount onlyMount(List<Mount> mounts) {
        assertEquals(1, mounts.size(), "an lcow-layer snapshot has exactly one mount: " + mounts);
        return mounts.get(0);
    }
}
