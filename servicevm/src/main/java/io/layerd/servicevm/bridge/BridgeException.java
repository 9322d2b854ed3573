package io.layerd.servicevm.bridge;

import io.layerd.api.servicevm.v1.Error;

import java.io.IOException;

/** A request the guest agent answered with an error (errno-style code and message). */
public final class BridgeException extends IOException {
    private final String code;
    private final int errno;

    public BridgeException(Error error) {
        super(error.getMessage() + " (" + error.getCode() + ")");
        this.code = error.getCode();
        this.errno = error.getErrno();
    }

    /** Symbolic errno name, e.g. "ENOENT". */
    public String code() {
        return code;
    }

    public int errno() {
        return errno;
    }
}
