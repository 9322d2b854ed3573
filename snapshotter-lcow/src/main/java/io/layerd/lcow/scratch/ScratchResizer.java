package io.layerd.lcow.scratch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Grows a container's scratch: a larger VHDX with the same data, and its ext4 grown to fill it
 * ({@code resize2fs}, which needs a Linux kernel: the service VM).
 */
public interface ScratchResizer {
    /**
     * Writes {@code sandbox} grown to {@code sizeBytes} to {@code target} (a new file; the caller
     * renames it into place, so a failure leaves the scratch as it was). {@code owner}: whose
     * service VM serves it.
     */
    void grow(Path sandbox, Path target, long sizeBytes, String owner) throws IOException;
}
