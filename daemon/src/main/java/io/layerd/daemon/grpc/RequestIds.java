package io.layerd.daemon.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives every call a request id (the caller's {@code x-request-id} if it sends one), puts it
 * and the namespace into the logging context while the call's code runs, and logs each call's
 * outcome and duration at debug level.
 */
public final class RequestIds implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger("layerd.calls");
    static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        String given = headers.get(REQUEST_ID);
        String id = given != null && !given.isBlank() ? given : Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        String ns = headers.get(NAMESPACE);
        String method = call.getMethodDescriptor().getFullMethodName();
        long start = System.nanoTime();
        ServerCall<Q, R> logged = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (log.isDebugEnabled()) {
                    withContext(id, ns, () -> log.debug("{} {} {} µs{}", method, status.getCode(),
                            (System.nanoTime() - start) / 1000,
                            status.getDescription() == null ? "" : ": " + status.getDescription()));
                }
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> delegate = withContext(id, ns, () -> next.startCall(logged, headers));
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                withContext(id, ns, () -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                withContext(id, ns, super::onHalfClose);
            }

            @Override
            public void onCancel() {
                withContext(id, ns, super::onCancel);
            }

            @Override
            public void onComplete() {
                withContext(id, ns, super::onComplete);
            }
        };
    }

    private static void withContext(String id, String ns, Runnable r) {
        withContext(id, ns, () -> {
            r.run();
            return null;
        });
    }

    private static <T> T withContext(String id, String ns, java.util.function.Supplier<T> s) {
        MDC.put("requestId", id);
        if (ns != null) {
            MDC.put("namespace", ns);
        }
        try {
            return s.get();
        } finally {
            MDC.remove("requestId");
            MDC.remove("namespace");
        }
    }
}
