package io.layerd.daemon.image;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.LayerdException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * From an image's target descriptor to one platform's manifest, config and layers: follows an
 * OCI index or Docker manifest list to the entry for the wanted platform (LCOW layers are
 * {@code linux/amd64}), reads the manifest and the config's {@code rootfs.diff_ids}.
 */
public final class ManifestResolver {
    /** What an unpack for LCOW asks for. */
    public static final String LINUX_AMD64 = "linux/amd64";
    public static final String WINDOWS_AMD64 = "windows/amd64";

    /** {@code asked}, or the platform a snapshotter's layers are for: Windows for CimFS ("cim" in its name), else Linux. */
    public static String platformFor(String snapshotter, String asked) {
        if (asked != null && !asked.isBlank()) {
            return asked;
        }
        return snapshotter.toLowerCase(java.util.Locale.ROOT).contains("cim") ? WINDOWS_AMD64 : LINUX_AMD64;
    }
    private static final int MAX_INDEX_DEPTH = 4;

    private final BlobSource blobs;

    public ManifestResolver(BlobSource blobs) {
        this.blobs = blobs;
    }

    /** {@code platform} as "os/architecture[/variant]". */
    public ImageManifest resolve(Descriptor target, String platform) throws IOException {
        Descriptor current = target;
        for (int depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
            String type = current.mediaType();
            if (MediaTypes.INDEXES.contains(type)) {
                current = select(current, json(current), platform);
            } else if (MediaTypes.MANIFESTS.contains(type)) {
                return manifest(current, json(current));
            } else {
                throw LayerdException.invalidArgument("%s has media type %s, which is neither an image index nor a manifest",
                        current.digest(), type);
            }
        }
        throw LayerdException.invalidArgument("image %s nests indexes deeper than %d levels", target.digest(), MAX_INDEX_DEPTH);
    }

    private Descriptor select(Descriptor index, JsonObject json, String platform) {
        List<String> offered = new ArrayList<>();
        for (JsonElement e : array(json, "manifests", index)) {
            JsonObject m = e.getAsJsonObject();
            String p = platformOf(m);
            offered.add(p == null ? "(no platform)" : p);
            if (p != null && matches(p, platform)) {
                return descriptor(m, index);
            }
        }
        throw LayerdException.notFound("image index %s has no manifest for %s (it offers %s)", index.digest(), platform, offered);
    }

    private ImageManifest manifest(Descriptor manifest, JsonObject json) throws IOException {
        if (!json.has("config") || !json.get("config").isJsonObject()) {
            throw LayerdException.invalidArgument("manifest %s has no config descriptor", manifest.digest());
        }
        Descriptor config = descriptor(json.getAsJsonObject("config"), manifest);
        List<Descriptor> layers = new ArrayList<>();
        for (JsonElement e : array(json, "layers", manifest)) {
            layers.add(descriptor(e.getAsJsonObject(), manifest));
        }
        JsonObject configJson = json(config);
        JsonObject rootfs = configJson.has("rootfs") && configJson.get("rootfs").isJsonObject() ? configJson.getAsJsonObject("rootfs") : null;
        if (rootfs == null) {
            throw LayerdException.invalidArgument("image config %s has no rootfs", config.digest());
        }
        List<String> diffIds = new ArrayList<>();
        for (JsonElement e : array(rootfs, "diff_ids", config)) {
            diffIds.add(e.getAsString());
        }
        if (diffIds.size() != layers.size()) {
            throw LayerdException.invalidArgument("manifest %s lists %d layers but its config %s has %d diff_ids",
                    manifest.digest(), layers.size(), config.digest(), diffIds.size());
        }
        return new ImageManifest(manifest, config, layers, diffIds);
    }

    private JsonObject json(Descriptor d) throws IOException {
        byte[] bytes = blobs.read(d);
        try {
            return JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw LayerdException.invalidArgument("%s (%s) is not a JSON object: %s", d.digest(), d.mediaType(), e.getMessage());
        }
    }

    private static JsonArray array(JsonObject o, String key, Descriptor from) {
        if (!o.has(key) || !o.get(key).isJsonArray()) {
            throw LayerdException.invalidArgument("%s (%s) has no \"%s\" list", from.digest(), from.mediaType(), key);
        }
        return o.getAsJsonArray(key);
    }

    private static Descriptor descriptor(JsonObject o, Descriptor from) {
        try {
            Map<String, String> annotations = new LinkedHashMap<>();
            if (o.has("annotations") && o.get("annotations").isJsonObject()) {
                o.getAsJsonObject("annotations").entrySet().forEach(e -> annotations.put(e.getKey(), e.getValue().getAsString()));
            }
            return new Descriptor(o.get("mediaType").getAsString(), o.get("digest").getAsString(), o.get("size").getAsLong(), annotations);
        } catch (RuntimeException e) {
            throw LayerdException.invalidArgument("%s (%s) holds a descriptor without mediaType, digest or size: %s", from.digest(),
                    from.mediaType(), o);
        }
    }

    private static String platformOf(JsonObject manifest) {
        if (!manifest.has("platform") || !manifest.get("platform").isJsonObject()) {
            return null;
        }
        JsonObject p = manifest.getAsJsonObject("platform");
        if (!p.has("os") || !p.has("architecture")) {
            return null;
        }
        String s = p.get("os").getAsString() + "/" + p.get("architecture").getAsString();
        return p.has("variant") ? s + "/" + p.get("variant").getAsString() : s;
    }

    /** "linux/amd64" matches "linux/amd64" and any variant of it unless a variant was asked for. */
    static boolean matches(String offered, String wanted) {
        return offered.equals(wanted) || (wanted.chars().filter(c -> c == '/').count() == 1 && offered.startsWith(wanted + "/"));
    }
}
