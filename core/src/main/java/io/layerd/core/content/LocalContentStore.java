package io.layerd.core.content;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.fs.DirectFileInputStream;
import io.layerd.core.fs.Durable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;

/**
 * A content store on the local disk, laid out like containerd's {@code content/local}:
 *
 * <pre>
 * &lt;root&gt;/blobs/sha256/&lt;hex&gt;   committed blobs, never modified in place
 * &lt;root&gt;/ingest/&lt;n&gt;.tmp         blobs being written; renamed into blobs/ on commit
 * </pre>
 *
 * A blob appears only complete and checked: it is written to {@code ingest/}, flushed, compared
 * with the expected size and digest, and renamed into place. Both directories sit under one root,
 * so the rename is atomic. An ingest file found when the store opens belongs to a writer that died
 * and is deleted, so one process at a time owns a store (the daemon's lives under its locked
 * data root). Labels are not kept (containerd keeps them in its metadata database, not here).
 */
public final class LocalContentStore implements ContentStore {
    private final Path blobs;
    private final Path ingest;

    public LocalContentStore(Path root) {
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.ingest = root.resolve("ingest");
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(ingest);
            removeLeftoverIngests();
        } catch (IOException e) {
            throw LayerdException.internal("content store " + root + ": cannot open: " + e.getMessage(), e);
        }
    }

    private void removeLeftoverIngests() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(ingest)) {
            for (Path p : leftovers) {
                Durable.deleteTree(p);
            }
        }
    }

    /** Where the blob {@code digest} lives (whether or not it exists). */
    public Path blobPath(String digest) {
        return blobs.resolve(Digests.hex(digest));
    }

    @Override
    public ContentInfo info(String digest) {
        Path p = blobPath(digest);
        try {
            return new ContentInfo(digest, Files.size(p), Map.of());
        } catch (NoSuchFileException e) {
            throw LayerdException.notFound("content %s: not found", digest);
        } catch (IOException e) {
            throw new UncheckedIOException("content " + digest + ": " + e.getMessage(), e);
        }
    }

    @Override
    public BlobStream open(String digest) {
        Path p = blobPath(digest);
        try {
            long size = Files.size(p);
            return new BlobStream(digest, size, DirectFileInputStream.open(p));
        } catch (NoSuchFileException e) {
            throw LayerdException.notFound("content %s: not found", digest);
        } catch (IOException e) {
            throw new UncheckedIOException("content " + digest + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ContentWriter writer(String ref, long expectedSize, String expectedDigest) {
        Digests.require(expectedDigest);
        if (Files.exists(blobPath(expectedDigest))) {
            throw LayerdException.alreadyExists("content %s: already exists", expectedDigest);
        }
        try {
            return new LocalWriter(Files.createTempFile(ingest, "", ".tmp"), expectedSize, expectedDigest);
        } catch (IOException e) {
            throw new UncheckedIOException("content " + expectedDigest + ": cannot start writing: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String digest) {
        try {
            if (!Files.deleteIfExists(blobPath(digest))) {
                throw LayerdException.notFound("content %s: not found", digest);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("content " + digest + ": cannot delete: " + e.getMessage(), e);
        }
    }

    /** An ingest file plus the running digest of what went into it. */
    private final class LocalWriter implements ContentWriter {
        private final Path file;
        private final FileChannel channel;
        private final long expectedSize;
        private final String expectedDigest;
        private final MessageDigest sha256 = Digests.sha256();
        private long written;
        private boolean done;

        LocalWriter(Path file, long expectedSize, String expectedDigest) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
            this.expectedSize = expectedSize;
            this.expectedDigest = expectedDigest;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            sha256.update(b, off, len);
            written += len;
        }

        @Override
        public String commit(Map<String, String> labels) throws IOException {
            try {
                if (written != expectedSize) {
                    throw LayerdException.failedPrecondition("content %s: got %d bytes, expected %d",
                            expectedDigest, written, expectedSize);
                }
                String actual = Digests.of(sha256);
                if (!actual.equals(expectedDigest)) {
                    throw LayerdException.failedPrecondition("content %s: bytes have digest %s", expectedDigest, actual);
                }
                channel.force(true);
                channel.close();
                Path target = blobPath(expectedDigest);
                if (Files.exists(target)) {
                    throw LayerdException.alreadyExists("content %s: already exists", expectedDigest);
                }
                try {
                    Durable.rename(file, target);
                } catch (FileAlreadyExistsException e) {
                    throw LayerdException.alreadyExists("content %s: already exists", expectedDigest);
                }
                Durable.syncDirectory(blobs);
                done = true;
                return expectedDigest;
            } finally {
                close();
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
            if (!done) {
                Files.deleteIfExists(file);
                done = true;
            }
        }
    }
}
