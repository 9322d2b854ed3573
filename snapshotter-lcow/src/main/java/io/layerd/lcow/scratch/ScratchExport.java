package io.layerd.lcow.scratch;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A container's changes being read out of its scratch: the upper directory's tar, and the parent
 * layers' tree for questions the upper dir alone cannot answer. Closing it ends the reading and
 * releases what it holds in the service VM.
 */
public interface ScratchExport extends Closeable {
    /**
     * The tar of the upper directory (PAX, xattrs, hard links, overlay whiteouts as 0/0 character
     * devices), streamed while it is read; an empty archive when the container never wrote.
     * Errors — a damaged disk, the VM dying — surface from {@code read} or {@code close}.
     */
    InputStream upperTar();

    /**
     * Whether the parent layers show a directory at {@code path}. overlayfs marks every directory
     * made where something was deleted as opaque; only over a parent directory does that hide
     * anything, so a layer needs the opaque marker only then.
     */
    boolean parentsHaveDirectory(String path) throws IOException;
}
