package io.layerd.daemon.grpc;

import io.grpc.stub.StreamObserver;
import org.slf4j.MDC;

import java.util.function.Supplier;

/** Runs the body of a unary rpc: one response or one mapped error, with the key in the log context. */
final class Calls {
    private Calls() {
    }

    static <T> void unary(StreamObserver<T> responses, String snapshotKey, Supplier<T> body) {
        T result;
        try (MDC.MDCCloseable ignored = MDC.putCloseable("key", snapshotKey)) {
            result = body.get();
        } catch (Throwable t) {
            responses.onError(GrpcErrors.toStatus(t));
            return;
        } finally {
            MDC.remove("snapshotter");
        }
        responses.onNext(result);
        responses.onCompleted();
    }
}
