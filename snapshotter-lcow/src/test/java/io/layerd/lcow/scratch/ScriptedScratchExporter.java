package io.layerd.lcow.scratch;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A {@link ScratchExporter} for tests without a service VM: it answers with a given upper-dir
 * tar, or with its first bytes and then a failure (the VM dying mid-export), records which scratch
 * and upper dir it was asked for, and says the parents have a directory wherever asked (so every
 * opaque marker is kept).
 */
public final class ScriptedScratchExporter implements ScratchExporter {
    private final List<String> exports = Collections.synchronizedList(new ArrayList<>());
    private volatile byte[] tar = new byte[0];
    private volatile int failAfter;
    private volatile RuntimeException failure;

    /** The export's bytes from now on. */
    public void answer(byte[] upperTar) {
        this.tar = upperTar.clone();
    }

    /** Exports fail with {@code e} after {@code bytes} bytes; null: they succeed again. */
    public void failAfter(int bytes, RuntimeException e) {
        this.failAfter = bytes;
        this.failure = e;
    }

    /** What was exported, in order, as {@code <snapshot directory name>:<upper dir>}. */
    public List<String> exports() {
        return List.copyOf(exports);
    }

    @Override
    public ScratchExport open(Path sandbox, String upperDir, List<Path> parentLayers, String owner) {
        if (!Files.exists(sandbox)) {
            throw new IllegalStateException("the exporter reads the scratch, and " + sandbox + " does not exist");
        }
        exports.add(sandbox.getParent().getFileName() + ":" + upperDir);
        byte[] bytes = tar;
        RuntimeException e = failure;
        int limit = failAfter;
        InputStream in = e == null ? new ByteArrayInputStream(bytes) : new InputStream() {
            private int pos;

            @Override
            public int read() {
                if (pos == limit) {
                    throw e;
                }
                return pos < bytes.length ? bytes[pos++] & 0xff : -1;
            }
        };
        return new ScratchExport() {
            @Override
            public InputStream upperTar() {
                return in;
            }

            @Override
            public boolean parentsHaveDirectory(String path) {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }
}
