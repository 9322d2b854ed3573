package io.layerd.daemon;

import io.layerd.core.snapshot.Info;
import io.layerd.core.snapshot.Snapshotter;
import io.layerd.core.snapshot.SnapshotterContract;
import io.layerd.daemon.client.GrpcSnapshotter;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole snapshot contract through the daemon: a gRPC client on the unix socket calls every
 * Snapshots rpc of the {@code lcow} instance, List filters are evaluated by the server, and each
 * error comes back as the gRPC code the contract expects.
 */
class GrpcSnapshotsContractTest extends SnapshotterContract {
    private final Map<Snapshotter, TestDaemon> daemons = new IdentityHashMap<>();

    @Override
    protected Snapshotter open(Path root) {
        TestDaemon d = TestDaemon.start(root);
        GrpcSnapshotter s = d.snapshotter("lcow");
        daemons.put(s, d);
        return s;
    }

    @Override
    protected void shut(Snapshotter s) {
        TestDaemon d = daemons.get(s);
        if (d != null) {
            d.close();
        }
    }

    @Override
    protected Path snapshotsDirectory() {
        return root.resolve("snapshotters/lcow/snapshots");
    }

    @Override
    protected List<String> list(List<String> filters) {
        return ((GrpcSnapshotter) sn).list(filters).stream().map(Info::name).toList();
    }
}
