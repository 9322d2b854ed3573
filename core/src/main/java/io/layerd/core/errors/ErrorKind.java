package io.layerd.core.errors;

/**
 * Error classes mirroring containerd's errdefs. Every failure that leaves layerd carries one of
 * these; the gRPC boundary maps each to exactly one status code.
 */
public enum ErrorKind {
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    INVALID_ARGUMENT,
    NOT_IMPLEMENTED,
    UNAVAILABLE,
    INTERNAL
}
