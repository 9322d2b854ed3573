package io.layerd.daemon.image;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Channel;
import io.layerd.core.content.ContentStore;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.io.BulkInputStream;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarReader;
import io.layerd.daemon.client.GrpcSnapshotter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code layerd image import}: an OCI image archive (tar) or OCI layout directory into layerd
 * alone — blobs into layerd's local content store (digests verified as they are written), then the
 * layers unpacked onto a layerd snapshotter exactly as {@code layerd image unpack} does through
 * containerd, so both give the same layers under the same chain ids.
 */
public final class OciArchiveImporter {
    /** What an import did. */
    public record Result(String image, Descriptor manifest, List<String> chainIds, int applied, int skipped, long millis) {
    }

    private static final Pattern BLOB = Pattern.compile("(?:\\./)?blobs/sha256/([0-9a-f]{64})");
    private static final String NAMESPACE = "default";

    private final ContentStore store;
    private final ImageStore images;
    private final Channel layerd;
    private final String snapshotter;
    private final PrintWriter progress;

    public OciArchiveImporter(ContentStore store, ImageStore images, Channel layerd, String snapshotter, PrintWriter progress) {
        this.store = store;
        this.images = images;
        this.layerd = layerd;
        this.snapshotter = snapshotter;
        this.progress = progress;
    }

    public Result importImage(Path source, String platform) throws IOException {
        long t0 = System.nanoTime();
        byte[] index = Files.isDirectory(source) ? ingestLayout(source) : ingestArchive(source);
        if (index == null) {
            throw LayerdException.invalidArgument("%s has no index.json: not an OCI image archive or layout", source);
        }
        Descriptor indexBlob = new Descriptor("application/vnd.oci.image.index.v1+json", Digests.of(index), index.length, null);
        store.ingest("index-" + indexBlob.digest(), new ByteArrayInputStream(index), index.length, indexBlob.digest());
        ImageManifest image = new ManifestResolver(new StoreBlobSource(store)).resolve(indexBlob, platform);
        NamedTarget named = namedTarget(index, source); // after resolve: it has checked index.json's descriptors
        GrpcSnapshotter snapshots = new GrpcSnapshotter(layerd, snapshotter, NAMESPACE);
        LayerChain.Counts counts = LayerChain.unpack(image, snapshots, new LayerdDiff(layerd, NAMESPACE), progress);
        List<String> chain = image.chainIds();
        // Recorded once every layer is committed: a record always names a complete chain.
        images.put(new ImageRecord(named.name(), named.target(), image.manifest().digest(), snapshotter, chain.get(chain.size() - 1),
                Instant.now()));
        return new Result(named.name(), image.manifest(), chain, counts.applied(), counts.skipped(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Streams every blob of the archive into the store; returns index.json's bytes. */
    private byte[] ingestArchive(Path archive) throws IOException {
        byte[] index = null;
        try (InputStream in = Files.newInputStream(archive); TarReader tar = new TarReader(in)) {
            for (TarEntry e; (e = tar.next()) != null; ) {
                if (e.type() != TarEntry.Type.FILE) {
                    continue;
                }
                var m = BLOB.matcher(e.name());
                if (m.matches()) {
                    store.ingest("import-" + m.group(1), new EntryStream(tar), e.size(), "sha256:" + m.group(1));
                } else if (e.name().equals("index.json") || e.name().equals("./index.json")) {
                    index = new EntryStream(tar).readAllBytes();
                }
            }
        }
        return index;
    }

    private byte[] ingestLayout(Path dir) throws IOException {
        Path blobs = dir.resolve("blobs").resolve("sha256");
        if (Files.isDirectory(blobs)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(blobs)) {
                for (Path f : files) {
                    String hex = f.getFileName().toString();
                    if (hex.matches("[0-9a-f]{64}")) {
                        try (InputStream in = Files.newInputStream(f)) {
                            store.ingest("import-" + hex, in, Files.size(f), "sha256:" + hex);
                        }
                    }
                }
            }
        }
        Path index = dir.resolve("index.json");
        return Files.isRegularFile(index) ? Files.readAllBytes(index) : null;
    }

    /** The image's name and the index.json entry it names, as {@code ctr image import} records them. */
    private record NamedTarget(String name, Descriptor target) {
    }

    /**
     * containerd's name annotation, else the OCI ref name, of the first entry of index.json that
     * has one, else the archive's file name for the first entry (or index.json itself).
     */
    private static NamedTarget namedTarget(byte[] index, Path source) {
        JsonObject json = JsonParser.parseString(new String(index, StandardCharsets.UTF_8)).getAsJsonObject();
        Descriptor first = null;
        if (json.has("manifests")) {
            for (JsonElement m : json.getAsJsonArray("manifests")) {
                JsonObject o = m.getAsJsonObject();
                if (!o.has("mediaType") || !o.has("digest") || !o.has("size")) {
                    continue;
                }
                Descriptor d = new Descriptor(o.get("mediaType").getAsString(), o.get("digest").getAsString(), o.get("size").getAsLong(), null);
                first = first == null ? d : first;
                if (o.has("annotations")) {
                    JsonObject a = o.getAsJsonObject("annotations");
                    for (String key : List.of("io.containerd.image.name", "org.opencontainers.image.ref.name")) {
                        if (a.has(key)) {
                            return new NamedTarget(a.get(key).getAsString(), d);
                        }
                    }
                }
            }
        }
        Descriptor target = first != null ? first
                : new Descriptor("application/vnd.oci.image.index.v1+json", Digests.of(index), index.length, null);
        return new NamedTarget(source.getFileName().toString(), target);
    }

    /** The current tar entry's data as a stream that never reads past it. */
    private static final class EntryStream extends BulkInputStream {
        private final TarReader tar;

        EntryStream(TarReader tar) {
            this.tar = tar;
        }

        @Override
        protected int readBulk(byte[] b, int off, int len) throws IOException {
            return tar.read(b, off, len);
        }
    }
}
