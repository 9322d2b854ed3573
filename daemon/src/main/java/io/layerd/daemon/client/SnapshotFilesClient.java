package io.layerd.daemon.client;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.layerd.api.files.v1.DataChunk;
import io.layerd.api.files.v1.ExtractTarChunk;
import io.layerd.api.files.v1.FileRequest;
import io.layerd.api.files.v1.RemoveFileRequest;
import io.layerd.api.files.v1.RenameFileRequest;
import io.layerd.api.files.v1.SnapshotFilesGrpc;
import io.layerd.api.files.v1.TransferResult;
import io.layerd.api.servicevm.v1.FileInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** The client side of {@code layerd.files.v1.SnapshotFiles}, streaming both ways with bounded memory. */
public final class SnapshotFilesClient {
    private static final int CHUNK_BYTES = 1 << 20;

    private final Channel channel;
    private final String snapshotter;
    private final String key;

    public SnapshotFilesClient(Channel channel, String snapshotter, String key) {
        this.channel = channel;
        this.snapshotter = snapshotter;
        this.key = key;
    }

    private FileRequest file(String path) {
        return FileRequest.newBuilder().setSnapshotter(snapshotter).setKey(key).setPath(path).build();
    }

    public FileInfo stat(String path) {
        return SnapshotFilesGrpc.newBlockingStub(channel).stat(file(path));
    }

    public List<FileInfo> list(String path) {
        return SnapshotFilesGrpc.newBlockingStub(channel).list(file(path)).getEntriesList();
    }

    /** A regular file's bytes into {@code out}. */
    public void read(String path, OutputStream out) throws IOException {
        copy(SnapshotFilesGrpc.newBlockingStub(channel).read(file(path)), out);
    }

    /** A directory's tree as a tar into {@code out}. */
    public void exportTar(String path, OutputStream out) throws IOException {
        copy(SnapshotFilesGrpc.newBlockingStub(channel).exportTar(file(path)), out);
    }

    public void remove(String path, boolean recursive) {
        SnapshotFilesGrpc.newBlockingStub(channel).remove(RemoveFileRequest.newBuilder().setFile(file(path)).setRecursive(recursive).build());
    }

    public void rename(String from, String to) {
        SnapshotFilesGrpc.newBlockingStub(channel).rename(RenameFileRequest.newBuilder()
                .setSnapshotter(snapshotter).setKey(key).setFrom(from).setTo(to).build());
    }

    /** Unpacks the tar read from {@code tar} under {@code directory}; the bytes of tar the daemon read. */
    public long extractTar(String directory, InputStream tar) throws IOException {
        CompletableFuture<TransferResult> result = new CompletableFuture<>();
        Object ready = new Object();
        ClientResponseObserver<ExtractTarChunk, TransferResult> responses = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ExtractTarChunk> requests) {
                requests.setOnReadyHandler(() -> {
                    synchronized (ready) {
                        ready.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(TransferResult value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
                synchronized (ready) {
                    ready.notifyAll();
                }
            }

            @Override
            public void onCompleted() {
            }
        };
        ClientCallStreamObserver<ExtractTarChunk> requests =
                (ClientCallStreamObserver<ExtractTarChunk>) SnapshotFilesGrpc.newStub(channel).extractTar(responses);
        try {
            requests.onNext(ExtractTarChunk.newBuilder().setTarget(file(directory)).build());
            byte[] buffer = new byte[CHUNK_BYTES];
            for (int n; !result.isDone() && (n = tar.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                synchronized (ready) {
                    while (!requests.isReady() && !result.isDone()) {
                        ready.wait(1000);
                    }
                }
                requests.onNext(ExtractTarChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, n)).build());
            }
            requests.onCompleted();
            return result.get().getBytes();
        } catch (InterruptedException e) {
            requests.cancel("interrupted", e);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending the tar");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw new IOException(e.getCause());
        } catch (IOException | RuntimeException e) {
            requests.cancel("the tar could not be read: " + e.getMessage(), e);
            throw e;
        }
    }

    private static void copy(Iterator<DataChunk> chunks, OutputStream out) throws IOException {
        while (chunks.hasNext()) {
            chunks.next().getData().writeTo(out);
        }
        out.flush();
    }
}
