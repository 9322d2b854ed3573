package io.layerd.cimfs.wclayer;

import io.layerd.cimfs.image.CimFileMetadata;
import io.layerd.cimfs.image.CimFiles;
import io.layerd.cimfs.image.CimImageWriter;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.core.fs.Durable;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarFormatException;
import io.layerd.core.tar.TarReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Imports an OCI Windows layer tar into one CIM, as containerd's cimfs differ does through
 * Windows' importer: a base layer (no parent) becomes a new image, any other layer an image
 * forked from its parent's image in the same directory, so {@code .wh.} whiteouts become
 * deletions. Symlinks become reparse points, {@code file:stream} entries alternate streams, hard
 * links hard links; attributes, times, security descriptors and EAs come from the PAX records
 * ({@link WindowsEntryMetadata}).
 *
 * <p>Registry hives take the host directory's path too: a base layer's config hives go into the
 * CIM and the host directory, get {@code Hives\<X>_BASE} links, and the {@code layout} marker says
 * the hives are part of the image; a later layer's {@code Hives\<X>_DELTA} files are kept in the
 * host directory and, given a {@link HiveMerger} (offreg.dll, Windows only), merged with the
 * parent's base hives into this layer's {@code Hives\<X>_BASE}. Without one the merges are
 * reported as pending.
 *
 * <p>Nothing is left by a failure: the writer is closed uncommitted, host files are written in a
 * staging directory moved into place only after the CIM is committed.
 */
public final class WindowsLayerImporter {
    /** Host files are staged here inside the layer directory until the CIM is committed. */
    public static final String STAGING = ".import.tmp";
    private static final String OPAQUE_WHITEOUT = ".wh..wh..opq";
    private static final String WHITEOUT_PREFIX = ".wh.";
    private static final String DATA_STREAM_SUFFIX = ":$DATA";
    private static final int BUFFER = 1 << 20;

    /**
     * Where a layer goes: image {@code cimName} in {@code cimDir} (forked from {@code parentCimName}
     * there when not null), host files into {@code layerDir}, the parent's host files (base hives)
     * in {@code parentLayerDir}.
     */
    public record Target(Path cimDir, String cimName, String parentCimName, Path layerDir, Path parentLayerDir) {
        public boolean isBase() {
            return parentCimName == null;
        }
    }

    /** What an import did: entries read, bytes of file data, hive merges left for Windows. */
    public record Result(long entries, long fileBytes, List<String> pendingHiveMerges) {
    }

    private final CimWriterFactory writers;
    private final Optional<HiveMerger> hiveMerger;

    public WindowsLayerImporter(CimWriterFactory writers, Optional<HiveMerger> hiveMerger) {
        this.writers = writers;
        this.hiveMerger = hiveMerger;
    }

    /**
     * A last check of the input once the tar is read, before the image is committed (the blob's own
     * digest). An identifying check also returns the digest of the whole tar (the diffID), which the
     * writer then uses to name the image's regions instead of hashing every file byte again.
     */
    public interface InputCheck {
        InputCheck NONE = check(() -> { });

        /** Runs the check; returns the tar's digest when {@link #identifiesInput()}, else null. */
        byte[] verify() throws IOException;

        boolean identifiesInput();

        static InputCheck check(Check c) {
            return new InputCheck() {
                @Override
                public byte[] verify() throws IOException {
                    c.run();
                    return null;
                }

                @Override
                public boolean identifiesInput() {
                    return false;
                }
            };
        }

        /** A check that ends by returning the digest of every byte of the tar. */
        static InputCheck identifying(DigestingCheck c) {
            return new InputCheck() {
                @Override
                public byte[] verify() throws IOException {
                    return c.run();
                }

                @Override
                public boolean identifiesInput() {
                    return true;
                }
            };
        }

        @FunctionalInterface
        interface Check {
            void run() throws IOException;
        }

        @FunctionalInterface
        interface DigestingCheck {
            byte[] run() throws IOException;
        }
    }

    public Result importLayer(InputStream tar, Target target) throws IOException {
        return importLayer(tar, target, InputCheck.NONE);
    }

    /** Imports {@code tar}; {@code beforeCommit} runs after its last entry, and its failure leaves nothing. */
    public Result importLayer(InputStream tar, Target target, InputCheck beforeCommit) throws IOException {
        Path staging = target.layerDir().resolve(STAGING);
        Durable.deleteTree(staging); // a crashed import's leftovers
        Files.createDirectories(staging);
        Path cim = target.cimDir().resolve(target.cimName());
        boolean committed = false;
        try {
            Result result;
            try (CimImageWriter writer = target.isBase() ? writers.create(target.cimDir(), target.cimName())
                    : writers.fork(target.cimDir(), target.parentCimName(), target.cimName())) {
                if (beforeCommit.identifiesInput()) {
                    writer.identifiedByInput();
                }
                Run run = new Run(writer, target, staging);
                run.entries(new TarReader(tar));
                result = run.finish();
                byte[] inputDigest = beforeCommit.verify();
                if (beforeCommit.identifiesInput()) {
                    writer.commit(inputDigest);
                } else {
                    writer.commit();
                }
                committed = true;
            }
            moveIntoPlace(staging, target.layerDir());
            return result;
        } catch (IOException | RuntimeException e) {
            if (committed) {
                try {
                    CimFiles.destroy(cim);
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        } finally {
            Durable.deleteTree(staging);
        }
    }

    private static void moveIntoPlace(Path staging, Path layerDir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(staging)) {
            for (Path p : entries) {
                Path to = layerDir.resolve(p.getFileName().toString());
                Durable.deleteTree(to);
                Durable.rename(p, to);
            }
        }
        Durable.syncDirectory(layerDir);
    }

    /** One import: the writer, and what must be done after the last entry. */
    private final class Run {
        private final CimImageWriter writer;
        private final Target target;
        private final Path staging;
        private final byte[] buffer = new byte[BUFFER];
        /**
         * Files written to the host directory (hives, boot files), by upper-cased path: each is also
         * added to the CIM after the last entry, as Windows' importer does, with its tar metadata.
         */
        private final Map<String, HostFile> hostFiles = new LinkedHashMap<>();
        /** Hard links to host files: made once those are in the CIM. */
        private final List<String[]> pendingLinks = new ArrayList<>();
        private String lastFile;
        private long entries;
        private long fileBytes;

        Run(CimImageWriter writer, Target target, Path staging) {
            this.writer = writer;
            this.target = target;
            this.staging = staging;
        }

        void entries(TarReader tar) throws IOException {
            String current = null;
            try {
                TarEntry e;
                while ((e = tar.next()) != null) {
                    current = e.name();
                    entries++;
                    entry(tar, e);
                }
            } catch (TarFormatException x) {
                throw new LayerImportException(current == null ? "(first entry)" : current, x.getMessage(), x);
            }
        }

        private void entry(TarReader tar, TarEntry e) throws IOException {
            String path = LayerPaths.normalize(e.name());
            if (path.isEmpty()) {
                return; // "./": the layer root itself
            }
            int slash = path.lastIndexOf('/');
            String leaf = path.substring(slash + 1);
            String dir = slash < 0 ? "" : path.substring(0, slash + 1);
            if (leaf.equals(OPAQUE_WHITEOUT)) {
                return; // Windows layers have no opaque directories: their importer ignores the marker too
            }
            if (leaf.startsWith(WHITEOUT_PREFIX)) {
                whiteout(e, dir + leaf.substring(WHITEOUT_PREFIX.length()));
                return;
            }
            if (leaf.indexOf(':') >= 0) {
                alternateStream(tar, e, path);
                return;
            }
            switch (e.type()) {
                case DIRECTORY, SYMLINK -> create(e, path, WindowsEntryMetadata.of(e, e.name(), 0));
                case FILE -> file(tar, e, path);
                case HARD_LINK -> {
                    String existing = LayerPaths.normalize(e.linkName());
                    if (hostFiles.containsKey(upper(existing))) {
                        pendingLinks.add(new String[]{path, existing, e.name()}); // its target enters the CIM at the end
                    } else {
                        structural(e, () -> writer.createHardLink(LayerPaths.toCim(path), LayerPaths.toCim(existing)));
                    }
                    lastFile = path;
                }
                default -> throw new LayerImportException(e.name(), "a " + e.type().name().toLowerCase().replace('_', ' ')
                        + " has no place in a Windows layer");
            }
        }

        private void whiteout(TarEntry e, String victim) throws IOException {
            if (target.isBase()) {
                throw new LayerImportException(e.name(), "a base layer has nothing to delete (whiteout of \"" + victim + "\")");
            }
            structural(e, () -> writer.deletePath(LayerPaths.toCim(victim)));
        }

        private void file(TarReader tar, TarEntry e, String path) throws IOException {
            CimFileMetadata meta = WindowsEntryMetadata.of(e, e.name(), e.size());
            lastFile = path;
            if (LayerPaths.isHostFile(path)) {
                HostFile earlier = hostFiles.remove(upper(path));
                if (earlier != null) {
                    Files.deleteIfExists(staging.resolve(earlier.path())); // a later entry replaces it
                }
                Path host = staging.resolve(path);
                Files.createDirectories(host.getParent());
                try (OutputStream out = Files.newOutputStream(host, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
                    copy(tar, e, out);
                }
                hostFiles.put(upper(path), new HostFile(path, e.name(), meta));
                return;
            }
            copyInto(tar, e, create(e, path, meta));
        }

        private void alternateStream(TarReader tar, TarEntry e, String path) throws IOException {
            if (e.type() != TarEntry.Type.FILE) {
                throw new LayerImportException(e.name(), "an alternate stream must be a regular-file entry");
            }
            String name = path.endsWith(DATA_STREAM_SUFFIX) ? path.substring(0, path.length() - DATA_STREAM_SUFFIX.length()) : path;
            int colon = name.indexOf(':', name.lastIndexOf('/') + 1);
            String file = name.substring(0, colon);
            if (name.indexOf(':', colon + 1) >= 0) {
                throw new LayerImportException(e.name(), "stream types other than $DATA are not supported");
            }
            if (lastFile == null || !lastFile.equalsIgnoreCase(file)) {
                throw new LayerImportException(e.name(), "an alternate stream must follow its file \"" + file + "\" in the tar");
            }
            OutputStream[] out = new OutputStream[1];
            structural(e, () -> out[0] = writer.createAlternateStream(LayerPaths.toCim(name), e.size()));
            copyInto(tar, e, out[0]);
        }

        private OutputStream create(TarEntry e, String path, CimFileMetadata meta) throws IOException {
            OutputStream[] out = new OutputStream[1];
            structural(e, () -> out[0] = writer.createFile(LayerPaths.toCim(path), meta));
            if (!meta.isDirectory()) {
                lastFile = path;
            }
            return out[0];
        }

        /** Copies the entry's bytes into {@code out} and closes it; a failed copy's error wins over the close's. */
        private void copyInto(TarReader tar, TarEntry e, OutputStream out) throws IOException {
            try {
                copy(tar, e, out);
            } catch (IOException | RuntimeException x) {
                try {
                    out.close();
                } catch (IOException closing) {
                    x.addSuppressed(closing);
                }
                throw x;
            }
            out.close();
        }

        /** Copies the entry's bytes, sparse holes as zeros (the writer turns whole zero pages into holes). */
        private void copy(TarReader tar, TarEntry e, OutputStream out) throws IOException {
            long logical = 0;
            if (e.isSparse()) {
                for (TarEntry.SparseRegion region : e.sparse()) {
                    logical = zeros(out, logical, region.offset());
                    copyExactly(tar, e, out, region.length());
                    logical = region.offset() + region.length();
                }
                zeros(out, logical, e.size());
            } else {
                copyExactly(tar, e, out, e.size());
            }
            fileBytes += e.size();
        }

        private long zeros(OutputStream out, long from, long to) throws IOException {
            java.util.Arrays.fill(buffer, (byte) 0);
            for (long left = to - from; left > 0; ) {
                int n = (int) Math.min(buffer.length, left);
                out.write(buffer, 0, n);
                left -= n;
            }
            return to;
        }

        private void copyExactly(TarReader tar, TarEntry e, OutputStream out, long length) throws IOException {
            // Whole buffers, so writes stay page-aligned and zero pages can become holes.
            long left = length;
            while (left > 0) {
                int want = (int) Math.min(buffer.length, left);
                int filled = 0;
                while (filled < want) {
                    int n = tar.read(buffer, filled, want - filled);
                    if (n < 0) {
                        throw new LayerImportException(e.name(), "truncated tar: the entry's data ends " + (left - filled) + " bytes early");
                    }
                    filled += n;
                }
                out.write(buffer, 0, filled);
                left -= filled;
            }
        }

        /** Runs a writer call whose failure means the tar asked for something impossible, naming the entry. */
        private void structural(TarEntry e, WriterCall call) throws IOException {
            try {
                call.run();
            } catch (LayerImportException x) {
                throw x;
            } catch (IOException | IllegalArgumentException x) {
                throw new LayerImportException(e.name(), x.getMessage(), x);
            }
        }

        /**
         * After the last entry: the host files into the CIM, hard links to them, then hive links and
         * the layout marker (base layer) or hive merges (later layers).
         */
        Result finish() throws IOException {
            for (HostFile h : hostFiles.values()) {
                try {
                    addHostFile(staging.resolve(h.path()), LayerPaths.toCim(h.path()), h.metadata());
                } catch (IOException | IllegalArgumentException x) {
                    throw new LayerImportException(h.entry(), x.getMessage(), x);
                }
            }
            for (String[] link : pendingLinks) {
                try {
                    writer.createHardLink(LayerPaths.toCim(link[0]), LayerPaths.toCim(link[1]));
                } catch (IOException | IllegalArgumentException x) {
                    throw new LayerImportException(link[2], x.getMessage(), x);
                }
            }
            List<String> pending = new ArrayList<>();
            if (target.isBase()) {
                List<HostFile> hives = hostFiles.values().stream().filter(h -> LayerPaths.configHive(h.path()) != null).toList();
                if (!hives.isEmpty()) {
                    baseLayerHives(hives);
                }
            } else {
                for (HostFile h : hostFiles.values()) {
                    String name = LayerPaths.deltaHive(h.path());
                    if (name == null) {
                        continue;
                    }
                    String base = name.substring(0, name.length() - "_DELTA".length()) + "_BASE";
                    Path parentBase = target.parentLayerDir() == null ? null
                            : target.parentLayerDir().resolve(LayerPaths.HIVES).resolve(base);
                    if (hiveMerger.isPresent() && parentBase != null) {
                        Path merged = staging.resolve(LayerPaths.HIVES).resolve(base);
                        hiveMerger.get().merge(parentBase, staging.resolve(h.path()), merged);
                        addHostFile(merged, LayerPaths.HIVES + "\\" + base, mergedHiveMetadata(merged));
                    } else {
                        pending.add(LayerPaths.HIVES + "\\" + name);
                    }
                }
            }
            return new Result(entries, fileBytes, List.copyOf(pending));
        }

        private void baseLayerHives(List<HostFile> hives) throws IOException {
            Path hivesDir = staging.resolve(LayerPaths.HIVES);
            Files.createDirectories(hivesDir);
            CimFileMetadata first = hives.get(0).metadata();
            writer.createFile(LayerPaths.HIVES, new CimFileMetadata(WindowsEntryMetadata.FILE_ATTRIBUTE_DIRECTORY, 0,
                    first.creationTime(), first.lastWriteTime(), first.changeTime(), first.lastAccessTime(),
                    first.securityDescriptor(), null, null)).close();
            for (HostFile h : hives) {
                String base = LayerPaths.HIVE_NAMES.get(LayerPaths.configHive(h.path())) + "_BASE";
                writer.createHardLink(LayerPaths.HIVES + "\\" + base, LayerPaths.toCim(h.path()));
                Files.createLink(hivesDir.resolve(base), staging.resolve(h.path()));
            }
            byte[] layout = LayerPaths.LAYOUT_WITH_HIVES.getBytes(StandardCharsets.US_ASCII);
            Files.write(staging.resolve(LayerPaths.LAYOUT), layout);
            try (OutputStream out = writer.createFile(LayerPaths.LAYOUT, new CimFileMetadata(0, layout.length, first.creationTime(),
                    first.lastWriteTime(), first.changeTime(), first.lastAccessTime(), first.securityDescriptor(), null, null))) {
                out.write(layout);
            }
        }

        private CimFileMetadata mergedHiveMetadata(Path file) throws IOException {
            long now = FileTimes.of(Files.getLastModifiedTime(file).toInstant());
            return new CimFileMetadata(0, Files.size(file), now, now, now, now, null, null, null);
        }

        private void addHostFile(Path host, String cimPath, CimFileMetadata meta) throws IOException {
            CimFileMetadata sized = new CimFileMetadata(meta.attributes(), Files.size(host), meta.creationTime(), meta.lastWriteTime(),
                    meta.changeTime(), meta.lastAccessTime(), meta.securityDescriptor(), meta.reparseData(), meta.extendedAttributes());
            try (InputStream in = Files.newInputStream(host); OutputStream out = writer.createFile(cimPath, sized)) {
                in.transferTo(out);
            }
        }
    }

    private static String upper(String path) {
        return path.toUpperCase(java.util.Locale.ROOT);
    }

    /** A file of the tar written to the host directory: its path, its tar entry's name, its metadata. */
    private record HostFile(String path, String entry, CimFileMetadata metadata) {
    }

    @FunctionalInterface
    private interface WriterCall {
        void run() throws IOException;
    }
}
