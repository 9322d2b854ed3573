package io.layerd.core.content;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.layerd.api.containerd.content.v1.ContentGrpc;
import io.layerd.api.containerd.content.v1.DeleteContentRequest;
import io.layerd.api.containerd.content.v1.Info;
import io.layerd.api.containerd.content.v1.InfoRequest;
import io.layerd.api.containerd.content.v1.ReadContentRequest;
import io.layerd.api.containerd.content.v1.ReadContentResponse;
import io.layerd.api.containerd.content.v1.WriteAction;
import io.layerd.api.containerd.content.v1.WriteContentRequest;
import io.layerd.api.containerd.content.v1.WriteContentResponse;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.io.BulkInputStream;

import java.io.IOException;
import java.util.Map;
import java.io.InputStream;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * containerd's content store, reached through its {@code containerd.services.content.v1.Content}
 * service. containerd keeps content per namespace, so every call carries the
 * {@code containerd-namespace} header of the request this store serves; an instance is cheap and
 * made per request over a shared channel.
 */
public final class ContainerdContentStore implements ContentStore {
    static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
    /** containerd's own client writes in 8 MiB chunks: half its 16 MiB message limit. */
    private static final int WRITE_CHUNK = 8 << 20;

    private final ContentGrpc.ContentBlockingStub blocking;
    private final ContentGrpc.ContentStub async;

    /** @param namespace the caller's containerd namespace; null sends no header (containerd then refuses). */
    public ContainerdContentStore(Channel channel, String namespace) {
        Metadata headers = new Metadata();
        if (namespace != null && !namespace.isEmpty()) {
            headers.put(NAMESPACE, namespace);
        }
        var attach = MetadataUtils.newAttachHeadersInterceptor(headers);
        this.blocking = ContentGrpc.newBlockingStub(channel).withInterceptors(attach);
        this.async = ContentGrpc.newStub(channel).withInterceptors(attach);
    }

    @Override
    public ContentInfo info(String digest) {
        try {
            Info i = blocking.info(InfoRequest.newBuilder().setDigest(Digests.require(digest)).build()).getInfo();
            return new ContentInfo(i.getDigest(), i.getSize(), i.getLabelsMap());
        } catch (StatusRuntimeException e) {
            throw fromStatus("content " + digest, e);
        }
    }

    @Override
    public BlobStream open(String digest) {
        long size = info(digest).size();
        return new BlobStream(digest, size, read(digest, 0, 0));
    }

    /**
     * The bytes of {@code digest} from {@code offset}, at most {@code length} of them ({@code 0}:
     * to the end), streamed as containerd sends them. Closing the stream early cancels the call.
     */
    public InputStream read(String digest, long offset, long length) {
        Digests.require(digest);
        Context.CancellableContext call = Context.current().withCancellation();
        Iterator<ReadContentResponse> responses;
        Context previous = call.attach();
        try {
            responses = blocking.read(ReadContentRequest.newBuilder().setDigest(digest).setOffset(offset).setSize(length).build());
        } finally {
            call.detach(previous);
        }
        return new ReadStream(digest, responses, call, offset);
    }

    @Override
    public ContentWriter writer(String ref, long expectedSize, String expectedDigest) {
        return new RemoteWriter(ref, expectedSize, Digests.require(expectedDigest));
    }

    @Override
    public void delete(String digest) {
        try {
            blocking.delete(DeleteContentRequest.newBuilder().setDigest(Digests.require(digest)).build());
        } catch (StatusRuntimeException e) {
            throw fromStatus("content " + digest, e);
        }
    }

    /** A status from containerd as layerd's error kind, keeping containerd's words. */
    static LayerdException fromStatus(String what, StatusRuntimeException s) {
        ErrorKind kind = switch (s.getStatus().getCode()) {
            case NOT_FOUND -> ErrorKind.NOT_FOUND;
            case ALREADY_EXISTS -> ErrorKind.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> ErrorKind.FAILED_PRECONDITION;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> ErrorKind.INVALID_ARGUMENT;
            case UNIMPLEMENTED -> ErrorKind.NOT_IMPLEMENTED;
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> ErrorKind.UNAVAILABLE;
            default -> ErrorKind.INTERNAL;
        };
        String detail = s.getStatus().getDescription() == null ? s.getStatus().getCode().toString() : s.getStatus().getDescription();
        return new LayerdException(kind, what + ": containerd: " + detail, s);
    }

    /**
     * The chunks of a Read stream as bytes. containerd sends each chunk with its absolute offset;
     * a gap would mean lost data, so it is an error rather than silently skipped.
     */
    private static final class ReadStream extends BulkInputStream {
        private final String digest;
        private final Iterator<ReadContentResponse> responses;
        private final Context.CancellableContext call;
        private ByteString chunk = ByteString.EMPTY;
        private int pos;
        private long offset;

        ReadStream(String digest, Iterator<ReadContentResponse> responses, Context.CancellableContext call, long offset) {
            this.digest = digest;
            this.responses = responses;
            this.call = call;
            this.offset = offset;
        }

        @Override
        protected int readBulk(byte[] b, int off, int len) throws IOException {
            while (pos == chunk.size()) {
                if (!next()) {
                    return -1;
                }
            }
            int n = Math.min(len, chunk.size() - pos);
            chunk.copyTo(b, pos, off, n);
            pos += n;
            return n;
        }

        private boolean next() throws IOException {
            try {
                if (!responses.hasNext()) {
                    return false;
                }
                ReadContentResponse r = responses.next();
                if (r.getOffset() != offset) {
                    throw new IOException("content " + digest + ": containerd sent offset " + r.getOffset() + ", expected " + offset);
                }
                chunk = r.getData();
                pos = 0;
                offset += chunk.size();
                return true;
            } catch (StatusRuntimeException e) {
                // An IOException so stream consumers (decompressors, read-ahead threads) pass it on.
                throw new IOException(e.getStatus().getDescription(), fromStatus("content " + digest, e));
            }
        }

        @Override
        public void close() {
            // Cancelling ends the server's stream when the reader stops early.
            call.cancel(null);
        }
    }

    /**
     * A Write stream. containerd answers every request with exactly one response, so each send
     * waits for its answer: errors surface at the write that caused them.
     */
    private final class RemoteWriter implements ContentWriter {
        private final String ref;
        private final long total;
        private final String expected;
        private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        private final StreamObserver<WriteContentRequest> requests;
        private long offset;
        private boolean ended;

        RemoteWriter(String ref, long total, String expected) {
            this.ref = ref;
            this.total = total;
            this.expected = expected;
            this.requests = async.write(new StreamObserver<>() {
                @Override
                public void onNext(WriteContentResponse r) {
                    answers.add(r);
                }

                @Override
                public void onError(Throwable t) {
                    answers.add(t);
                }

                @Override
                public void onCompleted() {
                }
            });
            // containerd's client opens with STAT: it names the ref and lets containerd refuse early
            // (AlreadyExists when the expected blob is present).
            WriteContentResponse stat = exchange(WriteContentRequest.newBuilder().setAction(WriteAction.STAT)
                    .setRef(ref).setTotal(total).setExpected(expected).build());
            if (stat.getOffset() != 0) {
                // An earlier ingest under this ref left data: restart it from zero.
                exchange(WriteContentRequest.newBuilder().setAction(WriteAction.WRITE).setOffset(0).build());
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int done = 0; done < len; ) {
                int n = Math.min(WRITE_CHUNK, len - done);
                WriteContentResponse r = exchange(WriteContentRequest.newBuilder().setAction(WriteAction.WRITE)
                        .setOffset(offset).setData(ByteString.copyFrom(b, off + done, n)).build());
                offset = r.getOffset();
                done += n;
            }
        }

        @Override
        public String commit(Map<String, String> labels) {
            WriteContentResponse r = exchange(WriteContentRequest.newBuilder().setAction(WriteAction.COMMIT)
                    .setOffset(offset).setTotal(total).setExpected(expected).putAllLabels(labels).build());
            ended = true;
            requests.onCompleted();
            return r.getDigest().isEmpty() ? expected : r.getDigest();
        }

        private WriteContentResponse exchange(WriteContentRequest request) {
            if (ended) {
                throw LayerdException.failedPrecondition("content %s (ref %s): writer is closed", expected, ref);
            }
            requests.onNext(request);
            Object answer;
            try {
                answer = answers.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw LayerdException.unavailable("content %s (ref %s): interrupted", expected, ref);
            }
            if (answer instanceof WriteContentResponse r) {
                return r;
            }
            close();
            Throwable t = (Throwable) answer;
            if (t instanceof StatusRuntimeException s) {
                throw fromStatus("content " + expected + " (ref " + ref + ")", s);
            }
            throw LayerdException.unavailable("content %s (ref %s): %s", expected, ref, t);
        }

        @Override
        public void close() {
            if (!ended) {
                ended = true;
                // Cancelling leaves containerd's ingest to its garbage collection, as its own client does.
                requests.onError(io.grpc.Status.CANCELLED.withDescription("writer closed before commit").asRuntimeException());
            }
        }
    }
}
