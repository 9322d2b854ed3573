package io.layerd.daemon.host;

import io.layerd.core.errors.LayerdException;
import io.layerd.servicevm.bridge.BridgeException;

/** A service VM agent's errno as the gRPC status a caller can act on. */
final class BridgeErrors {
    private BridgeErrors() {
    }

    static LayerdException toLayerd(BridgeException e, String what) {
        String message = what + ": " + e.getMessage();
        return switch (e.code()) {
            case "ENOENT" -> LayerdException.notFound("%s", message);
            case "EEXIST" -> LayerdException.alreadyExists("%s", message);
            case "EINVAL", "EACCES", "ENAMETOOLONG", "ELOOP" -> LayerdException.invalidArgument("%s", message);
            case "ENOTDIR", "EISDIR", "ENOTEMPTY", "EBUSY", "EROFS", "ENOSPC", "EXDEV", "EPERM", "EMSGSIZE" ->
                    LayerdException.failedPrecondition("%s", message);
            default -> LayerdException.unavailable("%s", message);
        };
    }
}
