package io.layerd.daemon.grpc;

import io.grpc.stub.StreamObserver;
import io.layerd.api.files.v1.DataChunk;
import io.layerd.api.files.v1.ExtractTarChunk;
import io.layerd.api.files.v1.FileRequest;
import io.layerd.api.files.v1.RemoveFileRequest;
import io.layerd.api.files.v1.RenameFileRequest;
import io.layerd.api.files.v1.SnapshotFilesGrpc;
import io.layerd.api.files.v1.TransferResult;
import io.layerd.api.servicevm.v1.Empty;
import io.layerd.api.servicevm.v1.FileInfo;
import io.layerd.api.servicevm.v1.ListResponse;
import io.layerd.core.errors.LayerdException;
import io.layerd.daemon.host.SnapshotFileAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** {@code layerd.files.v1.SnapshotFiles}: files inside snapshots, through {@link SnapshotFileAccess}. */
public final class SnapshotFilesService extends SnapshotFilesGrpc.SnapshotFilesImplBase {
    private final SnapshotFileAccess files;
    /** Runs extractions, which read the client's stream while its messages keep arriving. */
    private final ExecutorService extractions = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "snapshot-extract");
        t.setDaemon(true);
        return t;
    });

    public SnapshotFilesService(SnapshotFileAccess files) {
        this.files = files;
    }

    @Override
    public void stat(FileRequest r, StreamObserver<FileInfo> out) {
        Calls.unary(out, r.getKey(), () -> files.stat(snapshotter(r), r.getKey(), r.getPath()));
    }

    @Override
    public void list(FileRequest r, StreamObserver<ListResponse> out) {
        Calls.unary(out, r.getKey(), () -> files.list(snapshotter(r), r.getKey(), r.getPath()));
    }

    @Override
    public void read(FileRequest r, StreamObserver<DataChunk> out) {
        stream(out, r.getKey(), chunks -> files.read(snapshotter(r), r.getKey(), r.getPath(), chunks));
    }

    @Override
    public void exportTar(FileRequest r, StreamObserver<DataChunk> out) {
        stream(out, r.getKey(), chunks -> files.exportTar(snapshotter(r), r.getKey(), r.getPath(), chunks));
    }

    @Override
    public void remove(RemoveFileRequest r, StreamObserver<Empty> out) {
        Calls.unary(out, r.getFile().getKey(), () -> {
            files.remove(snapshotter(r.getFile()), r.getFile().getKey(), r.getFile().getPath(), r.getRecursive());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void rename(RenameFileRequest r, StreamObserver<Empty> out) {
        Calls.unary(out, r.getKey(), () -> {
            requireSnapshotter(r.getSnapshotter(), r.getKey());
            files.rename(r.getSnapshotter(), r.getKey(), r.getFrom(), r.getTo());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public StreamObserver<ExtractTarChunk> extractTar(StreamObserver<TransferResult> out) {
        ChunkRequestStream tar = new ChunkRequestStream();
        return new StreamObserver<>() {
            private boolean started;

            @Override
            public void onNext(ExtractTarChunk chunk) {
                if (!started) {
                    started = true;
                    FileRequest target = chunk.getTarget();
                    extractions.execute(() -> {
                        try (tar) {
                            Calls.unary(out, target.getKey(), () -> TransferResult.newBuilder()
                                    .setBytes(files.extractTar(snapshotter(target), target.getKey(), target.getPath(), tar)).build());
                        }
                    });
                }
                tar.offer(chunk.getData());
            }

            @Override
            public void onError(Throwable t) {
                tar.fail(String.valueOf(t.getMessage()));
            }

            @Override
            public void onCompleted() {
                if (!started) {
                    out.onError(GrpcErrors.toStatus(LayerdException.invalidArgument(
                            "extract needs a first message naming the snapshotter, key and directory")));
                    return;
                }
                tar.end();
            }
        };
    }

    /** A server stream of chunks; an error after data was sent still ends the call with its status. */
    private interface Producer {
        long produce(ChunkResponseStream<DataChunk> chunks) throws IOException;
    }

    private static void stream(StreamObserver<DataChunk> out, String key, Producer producer) {
        ChunkResponseStream<DataChunk> chunks = new ChunkResponseStream<>(out, data -> DataChunk.newBuilder().setData(data).build());
        try {
            producer.produce(chunks);
            chunks.flush();
        } catch (IOException e) {
            out.onError(GrpcErrors.toStatus(new UncheckedIOException(e)));
            return;
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        out.onCompleted();
    }

    private static String snapshotter(FileRequest r) {
        return requireSnapshotter(r.getSnapshotter(), r.getKey());
    }

    private static String requireSnapshotter(String snapshotter, String key) {
        if (snapshotter.isEmpty() || key.isEmpty()) {
            throw LayerdException.invalidArgument("a file request names a snapshotter and a snapshot key (as `layerd snapshot list` shows them)");
        }
        return snapshotter;
    }
}
