package io.layerd.lcow.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Sees every 4 KiB block of the image as it is written (in write order; a rewritten block again). */
@FunctionalInterface
public interface BlockListener {
    /** {@code block} holds exactly 4096 bytes; the listener must not keep it beyond the call. */
    void onBlock(long index, ByteBuffer block) throws IOException;
}
