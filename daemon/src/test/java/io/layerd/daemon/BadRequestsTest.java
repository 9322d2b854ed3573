package io.layerd.daemon;

import com.google.protobuf.FieldMask;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.layerd.api.containerd.diff.v1.ApplyRequest;
import io.layerd.api.containerd.diff.v1.DiffGrpc;
import io.layerd.api.containerd.diff.v1.DiffRequest;
import io.layerd.api.containerd.snapshots.v1.CleanupRequest;
import io.layerd.api.containerd.snapshots.v1.CommitSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.Info;
import io.layerd.api.containerd.snapshots.v1.ListSnapshotsRequest;
import io.layerd.api.containerd.snapshots.v1.MountsRequest;
import io.layerd.api.containerd.snapshots.v1.PrepareSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.RemoveSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.SnapshotsGrpc;
import io.layerd.api.containerd.snapshots.v1.StatSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.UpdateSnapshotRequest;
import io.layerd.api.containerd.snapshots.v1.UsageRequest;
import io.layerd.api.containerd.snapshots.v1.ViewSnapshotRequest;
import io.layerd.api.containerd.types.Descriptor;
import io.layerd.api.containerd.types.Mount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad requests get the right gRPC code and a message naming the problem; the daemon keeps serving. */
class BadRequestsTest {
    @TempDir
    Path root;
    TestDaemon d;
    SnapshotsGrpc.SnapshotsBlockingStub snapshots;

    @BeforeEach
    void start() {
        d = TestDaemon.start(root);
        snapshots = SnapshotsGrpc.newBlockingStub(d.channel.channel());
    }

    @AfterEach
    void stop() {
        d.close();
    }

    private static void assertStatus(Status.Code code, Executable call, String... parts) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), "code of: " + e.getStatus().getDescription());
        for (String p : parts) {
            assertTrue(e.getStatus().getDescription().contains(p),
                    "\"" + e.getStatus().getDescription() + "\" should name \"" + p + "\"");
        }
    }

    private PrepareSnapshotRequest.Builder prepare(String key) {
        return PrepareSnapshotRequest.newBuilder().setSnapshotter("lcow").setKey(key);
    }

    @Test
    void unknownSnapshotterIsNotFoundListingTheKnownOnes() {
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.prepare(prepare("k").setSnapshotter("overlayfs").build()),
                "\"overlayfs\"", "lcow", "cimfs");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.list(ListSnapshotsRequest.newBuilder()
                .setSnapshotter("nope").build()).hasNext(), "\"nope\"");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.cleanup(CleanupRequest.newBuilder().setSnapshotter("nope").build()), "nope");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.stat(StatSnapshotRequest.newBuilder().setKey("k").build()),
                "snapshotter name must not be empty");
    }

    @Test
    void emptyKeyIsInvalidArgument() {
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.prepare(prepare("").build()), "key must not be empty");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.view(ViewSnapshotRequest.newBuilder()
                .setSnapshotter("lcow").build()), "key");
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.remove(RemoveSnapshotRequest.newBuilder()
                .setSnapshotter("lcow").build()), "key");
    }

    @Test
    void missingParentAndMissingKeysAreNotFound() {
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.prepare(prepare("k").setParent("sha256:missing").build()),
                "\"sha256:missing\"");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.stat(StatSnapshotRequest.newBuilder().setSnapshotter("lcow").setKey("x").build()), "\"x\"");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.mounts(MountsRequest.newBuilder().setSnapshotter("lcow").setKey("x").build()), "\"x\"");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.usage(UsageRequest.newBuilder().setSnapshotter("lcow").setKey("x").build()), "\"x\"");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.commit(CommitSnapshotRequest.newBuilder().setSnapshotter("lcow")
                .setKey("x").setName("y").build()), "\"x\"");
    }

    @Test
    void oversizedLabelsAreInvalidArgumentAndNothingIsCreated() {
        String big = "v".repeat(5000);
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.prepare(prepare("k").putLabels("big", big).build()),
                "5003 bytes", "4096", "big");
        assertStatus(Status.Code.NOT_FOUND, () -> snapshots.stat(StatSnapshotRequest.newBuilder().setSnapshotter("lcow").setKey("k").build()));
    }

    @Test
    void malformedFilterIsInvalidArgumentNamingIt() {
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.list(ListSnapshotsRequest.newBuilder()
                .setSnapshotter("lcow").addFilters("labels.\"unterminated").build()).hasNext(), "labels.\"unterminated");
    }

    @Test
    void immutableFieldInUpdateMaskIsInvalidArgument() {
        snapshots.prepare(prepare("k").build());
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> snapshots.update(UpdateSnapshotRequest.newBuilder().setSnapshotter("lcow")
                .setInfo(Info.newBuilder().setName("k").setParent("p"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("parent")).build()), "\"parent\"", "\"k\"");
    }

    @Test
    void diffServiceSendsForeignMountsToTheNextDiffer() {
        var diff = DiffGrpc.newBlockingStub(d.channel.channel());
        Mount overlay = Mount.newBuilder().setType("overlay").setSource("overlay").build();
        assertStatus(Status.Code.UNIMPLEMENTED, () -> diff.apply(ApplyRequest.newBuilder()
                .setDiff(Descriptor.newBuilder().setDigest("sha256:00")).addMounts(overlay).build()), "overlay");
        assertStatus(Status.Code.UNIMPLEMENTED, () -> diff.diff(DiffRequest.newBuilder().addLeft(overlay).addRight(overlay).build()), "overlay");
    }

    @Test
    void theDaemonKeepsServingAfterBadRequests() {
        for (int i = 0; i < 20; i++) {
            int n = i;
            assertThrows(StatusRuntimeException.class, () -> snapshots.prepare(prepare("").setParent("x" + n).build()));
        }
        var health = HealthGrpc.newBlockingStub(d.channel.channel()).check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
        assertEquals(1, snapshots.prepare(prepare("fine").build()).getMountsCount());
    }
}
