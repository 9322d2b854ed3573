package io.layerd.cimfs.wclayer;

import java.io.IOException;

/** A layer tar that cannot be imported, naming the entry at fault (bad input, not an I/O failure). */
public final class LayerImportException extends IOException {
    private final String entry;

    public LayerImportException(String entry, String problem) {
        super("layer tar entry \"" + entry + "\": " + problem);
        this.entry = entry;
    }

    public LayerImportException(String entry, String problem, Throwable cause) {
        super("layer tar entry \"" + entry + "\": " + problem, cause);
        this.entry = entry;
    }

    public String entry() {
        return entry;
    }
}
