package io.layerd.daemon.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;

/** The one place where layerd's error kinds and gRPC status codes are translated. */
public final class GrpcErrors {
    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    /** The status a failure leaves the server with. Unexpected failures are logged here, once. */
    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof LayerdException e) {
            if (e.kind() == ErrorKind.INTERNAL) {
                log.error("internal error: {}", e.getMessage(), e);
            }
            return code(e.kind()).withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof UncheckedIOException e) {
            log.error("I/O error: {}", e.getMessage(), e);
            return Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException();
        }
        log.error("unexpected error", t);
        return Status.INTERNAL.withDescription("internal error: " + t).asRuntimeException();
    }

    public static Status code(ErrorKind kind) {
        return switch (kind) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_IMPLEMENTED -> Status.UNIMPLEMENTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case INTERNAL -> Status.INTERNAL;
        };
    }

    /** The client-side inverse: a status received from a layerd (or containerd) server. */
    public static LayerdException fromStatus(StatusRuntimeException s) {
        String message = s.getStatus().getDescription() == null ? s.getStatus().getCode().toString()
                : s.getStatus().getDescription();
        ErrorKind kind = switch (s.getStatus().getCode()) {
            case NOT_FOUND -> ErrorKind.NOT_FOUND;
            case ALREADY_EXISTS -> ErrorKind.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> ErrorKind.FAILED_PRECONDITION;
            case INVALID_ARGUMENT -> ErrorKind.INVALID_ARGUMENT;
            case UNIMPLEMENTED -> ErrorKind.NOT_IMPLEMENTED;
            case UNAVAILABLE -> ErrorKind.UNAVAILABLE;
            default -> ErrorKind.INTERNAL;
        };
        return new LayerdException(kind, message, s);
    }
}
