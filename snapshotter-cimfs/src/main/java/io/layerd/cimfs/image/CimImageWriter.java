package io.layerd.cimfs.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one CIM image, as CimFS.dll's writer API does: an image is created (from scratch, or
 * forked from a parent image in the same directory), files are added with their metadata and
 * then exactly their declared bytes, alternate streams and hard links added, paths deleted, and
 * the image committed. Paths use {@code \\} or {@code /}, relative to the image root. Closing
 * without a commit leaves no image behind.
 */
public interface CimImageWriter extends Closeable {
    /**
     * Creates or replaces {@code path}; for a file, the returned stream takes exactly {@code
     * metadata.size()} bytes and must be closed before the next call (one open stream at a time).
     */
    OutputStream createFile(String path, CimFileMetadata metadata) throws IOException;

    /** An alternate data stream {@code file:stream} of an existing file, {@code size} bytes. */
    OutputStream createAlternateStream(String path, long size) throws IOException;

    /** {@code newPath} becomes another name of the file {@code existingPath}. */
    void createHardLink(String newPath, String existingPath) throws IOException;

    /** Removes {@code path} (a directory with everything under it). */
    void deletePath(String path) throws IOException;

    /** Writes the image durably; after it only close is allowed. */
    void commit() throws IOException;

    /**
     * Promises, before any file is created, that {@link #commit(byte[])} will be given a digest of
     * everything the image is written from (a layer's diffID). A writer that derives names from its
     * content may then use that digest instead of hashing every byte again. The default ignores it.
     */
    default void identifiedByInput() {
    }

    /** Commits an image whose input digest was promised by {@link #identifiedByInput}. */
    default void commit(byte[] inputDigest) throws IOException {
        commit();
    }
}
