package io.layerd.cimfs.image;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens {@link CimImageWriter}s the way {@code CimCreateImage} does: a new image, or a new image
 * forked from a parent image in the same directory. Layer import takes one of these so the same
 * import code drives layerd's portable writer and CimFS.dll.
 */
public interface CimWriterFactory {
    /** A new, empty image {@code name} (ending in {@code .cim}) in {@code dir}. */
    CimImageWriter create(Path dir, String name) throws IOException;

    /** A new image {@code name} in {@code dir} that starts as a copy of {@code parent}'s tree. */
    CimImageWriter fork(Path dir, String parent, String name) throws IOException;

    /** layerd's own writer of the documented format, available on every OS. */
    CimWriterFactory PORTABLE = new CimWriterFactory() {
        @Override
        public CimImageWriter create(Path dir, String name) throws IOException {
            return PortableCimWriter.create(dir, name);
        }

        @Override
        public CimImageWriter fork(Path dir, String parent, String name) throws IOException {
            return PortableCimWriter.fork(dir, parent, name);
        }
    };
}
