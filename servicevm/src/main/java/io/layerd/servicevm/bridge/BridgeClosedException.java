package io.layerd.servicevm.bridge;

import java.io.IOException;

/** The bridge to the guest is gone (VM stopped or crashed); requests in flight fail with this. */
public final class BridgeClosedException extends IOException {
    public BridgeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
