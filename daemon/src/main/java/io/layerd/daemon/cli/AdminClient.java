package io.layerd.daemon.cli;

import io.grpc.Channel;
import io.layerd.api.admin.v1.AdminGrpc;
import io.layerd.api.admin.v1.ListPluginsRequest;
import io.layerd.api.admin.v1.ListStoredSnapshotsRequest;
import io.layerd.api.admin.v1.Plugin;
import io.layerd.api.admin.v1.StoredSnapshot;

import java.util.List;

/** The CLI's view of the Admin service. */
public final class AdminClient {
    private final AdminGrpc.AdminBlockingStub stub;

    public AdminClient(Channel channel) {
        this.stub = AdminGrpc.newBlockingStub(channel);
    }

    /** Version, data root and socket of the running daemon. */
    public io.layerd.api.admin.v1.VersionResponse version() {
        return stub.version(io.layerd.api.admin.v1.VersionRequest.getDefaultInstance());
    }

    public List<Plugin> plugins() {
        return stub.listPlugins(ListPluginsRequest.getDefaultInstance()).getPluginsList();
    }

    public List<StoredSnapshot> storedSnapshots(String snapshotter) {
        return stub.listSnapshots(ListStoredSnapshotsRequest.newBuilder().setSnapshotter(snapshotter).build()).getSnapshotsList();
    }
}
