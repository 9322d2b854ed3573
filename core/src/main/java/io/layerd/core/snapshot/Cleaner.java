package io.layerd.core.snapshot;

/** Optional snapshotter behaviour: removal of on-disk state the metadata no longer references. */
public interface Cleaner {
    /** Deletes every snapshot directory and leftover file the metadata does not know. */
    void cleanup();
}
