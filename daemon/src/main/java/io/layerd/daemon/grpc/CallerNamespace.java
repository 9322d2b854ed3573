package io.layerd.daemon.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the caller's {@code containerd-namespace} header available to the service code of the
 * call, which passes it on when it calls back into containerd (content is kept per namespace).
 */
public final class CallerNamespace implements ServerInterceptor {
    private static final Context.Key<String> KEY = Context.key("containerd-namespace");

    /** The namespace of the call being served, or null when the caller sent none. */
    public static String current() {
        return KEY.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(KEY, headers.get(RequestIds.NAMESPACE)), call, headers, next);
    }
}
