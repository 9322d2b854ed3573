package io.layerd.core.errors;

import java.util.Optional;

/**
 * Looks through a cause chain. Streaming stages (read-ahead threads, producers, decompressors)
 * wrap what failed in IOExceptions of their own; what the caller can act on — a status from the
 * far side, a size limit — is somewhere down the chain.
 */
public final class Causes {
    private Causes() {
    }

    /** The first throwable of {@code type} in {@code failure}'s cause chain, {@code failure} included. */
    public static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }
}
