package io.layerd.daemon.grpc;

import io.grpc.stub.StreamObserver;
import io.layerd.api.admin.v1.AdminGrpc;
import io.layerd.api.admin.v1.ListPluginsRequest;
import io.layerd.api.admin.v1.ListPluginsResponse;
import io.layerd.api.admin.v1.ListStoredSnapshotsRequest;
import io.layerd.api.admin.v1.ListStoredSnapshotsResponse;
import io.layerd.api.admin.v1.Plugin;
import io.layerd.api.admin.v1.StoredSnapshot;
import io.layerd.api.admin.v1.VersionRequest;
import io.layerd.api.admin.v1.VersionResponse;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.metastore.SnapshotRecord;
import io.layerd.core.snapshot.DirectorySnapshotter;
import io.layerd.daemon.config.DaemonConfig;
import io.layerd.daemon.host.PluginHost;

import java.nio.file.Path;
import java.time.Instant;

/** layerd's own administration service: what the daemon runs and how it stores snapshots. */
public final class AdminService extends AdminGrpc.AdminImplBase {
    public static final String VERSION = "0.1.0";

    private final PluginHost host;
    private final DaemonConfig config;
    private final Instant startedAt = Instant.now();

    public AdminService(PluginHost host, DaemonConfig config) {
        this.host = host;
        this.config = config;
    }

    @Override
    public void version(VersionRequest r, StreamObserver<VersionResponse> out) {
        Calls.unary(out, "", () -> VersionResponse.newBuilder().setVersion(VERSION)
                .setStartedAt(ProtoMapping.timestamp(startedAt)).setRoot(config.root().toString())
                .setAddress(config.address().toString()).build());
    }

    @Override
    public void listPlugins(ListPluginsRequest r, StreamObserver<ListPluginsResponse> out) {
        Calls.unary(out, "", () -> {
            var b = ListPluginsResponse.newBuilder();
            for (PluginHost.Instance i : host.instances()) {
                b.addPlugins(Plugin.newBuilder().setName(i.config().name()).setType(i.config().type())
                        .setRoot(i.config().root().toString()).putAllOptions(i.config().optionText()));
            }
            return b.build();
        });
    }

    @Override
    public void listSnapshots(ListStoredSnapshotsRequest r, StreamObserver<ListStoredSnapshotsResponse> out) {
        Calls.unary(out, "", () -> {
            if (!(host.snapshotter(r.getSnapshotter()) instanceof DirectorySnapshotter s)) {
                throw LayerdException.notImplemented("snapshotter \"%s\" does not expose its storage", r.getSnapshotter());
            }
            var b = ListStoredSnapshotsResponse.newBuilder();
            for (SnapshotRecord rec : s.records()) {
                b.addSnapshots(StoredSnapshot.newBuilder()
                        .setId(rec.id()).setKey(rec.info().name()).setKind(rec.info().kind().text())
                        .setParent(rec.info().parent())
                        .setDirectory(s.directoryOf(rec).map(Path::toString).orElse(""))
                        .setCreatedAt(ProtoMapping.timestamp(rec.info().created()))
                        .setUpdatedAt(ProtoMapping.timestamp(rec.info().updated()))
                        .putAllLabels(rec.info().labels())
                        .setSize(rec.usage().size()).setInodes(rec.usage().inodes()));
            }
            return b.build();
        });
    }
}
