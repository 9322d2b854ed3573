package io.layerd.tests.image;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.layerd.core.tar.TarWriter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Builds OCI image archives for tests, with no network: each layer a tar written with layerd's
 * own {@link TarWriter} (so xattrs, hard links and whiteouts are exactly as specified), gzip'ed,
 * then config, manifest, {@code index.json} and {@code oci-layout} packed as the archive
 * {@code ctr image import} reads. The image name goes into the index annotations containerd
 * uses ({@code io.containerd.image.name}) and the OCI ref name.
 */
public final class OciImageBuilder {
    public static final String LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    /** One layer's content, written by the caller through a {@link TarWriter}. */
    @FunctionalInterface
    public interface LayerContent {
        void write(TarWriter tar) throws IOException;
    }

    /** A blob with its digest: in memory, or (for big layers) in a file. */
    public record Blob(String mediaType, byte[] bytes, Path file, long size, String digest) {
        Blob(String mediaType, byte[] bytes, String digest) {
            this(mediaType, bytes, null, bytes.length, digest);
        }

        InputStream open() throws IOException {
            return file != null ? Files.newInputStream(file) : new ByteArrayInputStream(bytes);
        }
    }

    /** What was built: layer blobs (compressed), their diffIDs, the manifest digest. */
    public record Image(String name, List<Blob> layers, List<String> diffIds, Blob config, Blob manifest) {
    }

    private final String name;
    private final List<Blob> layers = new ArrayList<>();
    private final List<String> diffIds = new ArrayList<>();

    private String os = "linux";

    public OciImageBuilder(String name) {
        this.name = name;
    }

    /** The image's operating system ("linux" unless set), in its config and its index entry. */
    public OciImageBuilder os(String os) {
        this.os = os;
        return this;
    }

    /** Adds a layer from a whole tar already in memory (gzip'ed here). */
    public OciImageBuilder layerFromTarBytes(byte[] plain) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(plain);
        }
        byte[] compressed = gz.toByteArray();
        layers.add(new Blob(LAYER_GZIP, compressed, digest(compressed)));
        diffIds.add(digest(plain));
        return this;
    }

    /** Adds a layer whose tar the callback writes. */
    public OciImageBuilder layer(LayerContent content) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(tar)) {
            content.write(w);
            w.finish();
        }
        return layerFromTarBytes(tar.toByteArray());
    }

    /**
     * Adds a layer from a tar file on disk, gzip'ed into {@code scratch} while both digests are
     * computed in the same pass: big layers never sit in memory.
     */
    public OciImageBuilder layerFromTar(Path tar, Path scratch) throws IOException {
        MessageDigest plain = sha256();
        MessageDigest compressed = sha256();
        Files.createDirectories(scratch.toAbsolutePath().getParent());
        try (InputStream in = new DigestInputStream(Files.newInputStream(tar), plain);
             OutputStream out = new GZIPOutputStream(new DigestOutputStream(Files.newOutputStream(scratch), compressed), 1 << 16)) {
            in.transferTo(out);
        }
        layers.add(new Blob(LAYER_GZIP, null, scratch, Files.size(scratch), hex(compressed)));
        diffIds.add(hex(plain));
        return this;
    }

    /** Writes the OCI archive to {@code archive} and returns what it holds. */
    public Image writeArchive(Path archive) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", "2026-01-01T00:00:00Z");
        config.put("architecture", "amd64");
        config.put("os", os);
        config.put("config", Map.of("Env", List.of("PATH=/usr/bin:/bin"), "Cmd", List.of("/bin/sh")));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
        byte[] configBytes = JSON.toJson(config).getBytes(StandardCharsets.UTF_8);
        Blob configBlob = new Blob("application/vnd.oci.image.config.v1+json", configBytes, digest(configBytes));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.put("config", descriptor(configBlob, null));
        List<Object> layerDescriptors = new ArrayList<>();
        for (Blob l : layers) {
            layerDescriptors.add(descriptor(l, null));
        }
        manifest.put("layers", layerDescriptors);
        byte[] manifestBytes = JSON.toJson(manifest).getBytes(StandardCharsets.UTF_8);
        Blob manifestBlob = new Blob("application/vnd.oci.image.manifest.v1+json", manifestBytes, digest(manifestBytes));

        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("io.containerd.image.name", name);
        annotations.put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
        Map<String, Object> manifestDescriptor = descriptor(manifestBlob, annotations);
        manifestDescriptor.put("platform", Map.of("architecture", "amd64", "os", os));
        index.put("manifests", List.of(manifestDescriptor));
        byte[] indexBytes = JSON.toJson(index).getBytes(StandardCharsets.UTF_8);

        Files.createDirectories(archive.toAbsolutePath().getParent());
        try (OutputStream file = Files.newOutputStream(archive); TarWriter tar = new TarWriter(file)) {
            put(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            put(tar, "index.json", indexBytes);
            tar.putEntry(TarWriter.Entry.directory("blobs"));
            tar.putEntry(TarWriter.Entry.directory("blobs/sha256"));
            List<Blob> all = new ArrayList<>(layers);
            all.add(configBlob);
            all.add(manifestBlob);
            for (Blob b : all) {
                try (InputStream in = b.open()) {
                    tar.putFile(TarWriter.Entry.file("blobs/sha256/" + b.digest().substring("sha256:".length()), b.size())
                            .withMtime(Instant.EPOCH), in);
                }
            }
            tar.finish();
        }
        return new Image(name, List.copyOf(layers), List.copyOf(diffIds), configBlob, manifestBlob);
    }

    private static Map<String, Object> descriptor(Blob blob, Map<String, String> annotations) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", blob.mediaType());
        d.put("digest", blob.digest());
        d.put("size", blob.size());
        if (annotations != null) {
            d.put("annotations", annotations);
        }
        return d;
    }

    private static void put(TarWriter tar, String name, byte[] bytes) throws IOException {
        tar.putFile(TarWriter.Entry.file(name, bytes.length).withMtime(Instant.EPOCH), new ByteArrayInputStream(bytes));
    }

    static String digest(byte[] bytes) {
        MessageDigest md = sha256();
        md.update(bytes);
        return hex(md);
    }

    private static String hex(MessageDigest md) {
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
