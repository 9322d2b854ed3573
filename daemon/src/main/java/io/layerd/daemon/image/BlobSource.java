package io.layerd.daemon.image;

import io.layerd.core.content.Descriptor;

import java.io.IOException;

/** Reads small blobs (indexes, manifests, configs) whole; layers are streamed elsewhere. */
@FunctionalInterface
public interface BlobSource {
    /** The blob's bytes, verified against the descriptor's size and digest. */
    byte[] read(Descriptor descriptor) throws IOException;
}
