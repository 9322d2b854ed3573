package io.layerd.daemon.config;

import java.nio.file.Path;

/**
 * The {@code [content]} section: where Apply reads layer blobs. {@code containerdAddress} null
 * means layerd's own store under the data root.
 */
public record ContentConfig(Path containerdAddress) {
    public static ContentConfig defaults() {
        return new ContentConfig(null);
    }

    /** The local store's directory, used when no containerd address is set. */
    public Path localRoot(Path root) {
        return root.resolve("content");
    }
}
