package io.layerd.daemon.image;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.layerd.core.content.Descriptor;
import io.layerd.core.content.Digests;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.fs.Durable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The images {@code layerd image import} recorded, one JSON file per name under
 * {@code <root>/images/} (file name: the sha256 of the image name, since names hold '/' and ':').
 * Each record is replaced atomically; a re-import of a name replaces its record.
 */
public final class ImageStore {
    /** Temporary files younger than this may belong to an import still running. */
    private static final Duration LEFTOVER_AGE = Duration.ofMinutes(10);

    private final Path dir;

    public ImageStore(Path dir) {
        this.dir = dir;
    }

    /** The store of the daemon whose data root is {@code root}. */
    public static ImageStore ofRoot(Path root) {
        return new ImageStore(root.resolve("images"));
    }

    public void put(ImageRecord record) throws IOException {
        Files.createDirectories(dir);
        Durable.writeAtomically(fileOf(record.name()), toJson(record).toString().getBytes(StandardCharsets.UTF_8));
    }

    public Optional<ImageRecord> get(String name) throws IOException {
        Path f = fileOf(name);
        return Files.isRegularFile(f) ? Optional.of(read(f)) : Optional.empty();
    }

    /** Every record, by name; removes temporary files that interrupted imports left behind. */
    public List<ImageRecord> list() throws IOException {
        List<ImageRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        FileTime stale = FileTime.from(Instant.now().minus(LEFTOVER_AGE));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (Durable.isAtomicWriteLeftover(f)) {
                    if (Files.getLastModifiedTime(f).compareTo(stale) < 0) {
                        Files.deleteIfExists(f);
                    }
                } else if (f.getFileName().toString().endsWith(".json")) {
                    out.add(read(f));
                }
            }
        }
        out.sort(Comparator.comparing(ImageRecord::name));
        return out;
    }

    private Path fileOf(String name) {
        return dir.resolve(Digests.hex(Digests.of(name.getBytes(StandardCharsets.UTF_8))) + ".json");
    }

    private static ImageRecord read(Path f) throws IOException {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            JsonObject t = o.getAsJsonObject("target");
            return new ImageRecord(o.get("name").getAsString(),
                    new Descriptor(t.get("mediaType").getAsString(), t.get("digest").getAsString(), t.get("size").getAsLong(), null),
                    o.get("manifest").getAsString(), o.get("snapshotter").getAsString(), o.get("topChainId").getAsString(),
                    Instant.parse(o.get("updated").getAsString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | java.time.format.DateTimeParseException e) {
            throw LayerdException.internal("image record " + f + " is damaged (" + e.getMessage() + "); delete it and import the image again", e);
        }
    }

    private static JsonObject toJson(ImageRecord r) {
        JsonObject t = new JsonObject();
        t.addProperty("mediaType", r.target().mediaType());
        t.addProperty("digest", r.target().digest());
        t.addProperty("size", r.target().size());
        JsonObject o = new JsonObject();
        o.addProperty("name", r.name());
        o.add("target", t);
        o.addProperty("manifest", r.manifest());
        o.addProperty("snapshotter", r.snapshotter());
        o.addProperty("topChainId", r.topChainId());
        o.addProperty("updated", r.updated().toString());
        return o;
    }
}
