package io.layerd.servicevm.bridge;

import io.layerd.api.servicevm.v1.Error;

import java.io.IOException;

/** A request the guest agent answered with an error (errno-style code and message). */
public final class BridgeException extends IOException {
    private final Error error;

    public BridgeException(Error error) {
        super(error.getMessage() + " (" + error.getCode() + ")");
        this.error = error;
    }

    /** The error as the agent sent it. */
    public Error error() {
        return error;
    }

    /** Symbolic errno name, e.g. "ENOENT". */
    public String code() {
        return error.getCode();
    }

    public int errno() {
        return error.getErrno();
    }
}
