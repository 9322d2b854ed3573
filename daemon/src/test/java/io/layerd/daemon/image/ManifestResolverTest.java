package io.layerd.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.core.content.Descriptor;
import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

class ManifestResolverTest {
    private final Map<String, byte[]> blobs = new HashMap<>();
    private final ManifestResolver resolver = new ManifestResolver(d -> {
        byte[] b = blobs.get(d.digest());
        if (b == null) {
            throw LayerdException.notFound("blob %s", d.digest());
        }
        return b;
    });

    private Descriptor put(String mediaType, String json) {
        String digest = "sha256:" + Integer.toHexString(json.hashCode()) + "0".repeat(56);
        blobs.put(digest, json.getBytes(StandardCharsets.UTF_8));
        return new Descriptor(mediaType, digest, json.length(), null);
    }

    private Descriptor manifestWithLayers(int layers, int diffIds) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < diffIds; i++) {
            ids.append(i == 0 ? "" : ",").append("\"sha256:").append(String.valueOf(i).repeat(64)).append('"');
        }
        Descriptor config = put("application/vnd.oci.image.config.v1+json", "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}");
        StringBuilder layerList = new StringBuilder();
        for (int i = 0; i < layers; i++) {
            layerList.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:")
                    .append(String.valueOf((char) ('a' + i)).repeat(64)).append("\",\"size\":").append(100 + i).append('}');
        }
        return put(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + config.mediaType() + "\",\"digest\":\""
                + config.digest() + "\",\"size\":" + config.size() + "},\"layers\":[" + layerList + "]}");
    }

    private Descriptor index(Descriptor... manifests) {
        StringBuilder entries = new StringBuilder();
        String[] platforms = {"linux/arm64/v8", "windows/amd64", "linux/amd64"};
        for (int i = 0; i < manifests.length; i++) {
            String[] p = platforms[i].split("/");
            entries.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(manifests[i].mediaType()).append("\",\"digest\":\"")
                    .append(manifests[i].digest()).append("\",\"size\":").append(manifests[i].size())
                    .append(",\"platform\":{\"os\":\"").append(p[0]).append("\",\"architecture\":\"").append(p[1]).append('"')
                    .append(p.length > 2 ? ",\"variant\":\"" + p[2] + "\"" : "").append("}}");
        }
        return put(MediaTypes.OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[" + entries + "]}");
    }

    @Test
    void followsAnIndexToTheLinuxAmd64ManifestAndReadsItsLayersAndDiffIds() throws Exception {
        Descriptor arm = manifestWithLayers(1, 1);
        Descriptor windows = manifestWithLayers(2, 2);
        Descriptor amd64 = manifestWithLayers(3, 3);
        ImageManifest m = resolver.resolve(index(arm, windows, amd64), ManifestResolver.LINUX_AMD64);
        assertEquals(amd64, m.manifest());
        assertEquals(3, m.layers().size());
        assertEquals("sha256:" + "a".repeat(64), m.layers().get(0).digest(), "base layer first");
        assertEquals(102, m.layers().get(2).size());
        assertEquals("sha256:" + "2".repeat(64), m.diffIds().get(2));
    }

    @Test
    void aPlainManifestNeedsNoIndex() throws Exception {
        Descriptor manifest = manifestWithLayers(2, 2);
        assertEquals(2, resolver.resolve(manifest, ManifestResolver.LINUX_AMD64).layers().size());
    }

    @Test
    void noManifestForThePlatformIsNotFoundAndSaysWhatIsOffered() {
        Descriptor idx = index(manifestWithLayers(1, 1), manifestWithLayers(1, 1));
        LayerdException e = assertThrows(LayerdException.class, () -> resolver.resolve(idx, ManifestResolver.LINUX_AMD64));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("linux/arm64/v8") && e.getMessage().contains("windows/amd64"), e.getMessage());
    }

    @Test
    void layersAndDiffIdsThatDisagreeAreInvalid() {
        Descriptor manifest = manifestWithLayers(3, 2);
        LayerdException e = assertThrows(LayerdException.class, () -> resolver.resolve(manifest, ManifestResolver.LINUX_AMD64));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("3 layers") && e.getMessage().contains("2 diff_ids"), e.getMessage());
    }

    @Test
    void aLayerBlobIsNotAManifest() {
        Descriptor layer = new Descriptor("application/vnd.oci.image.layer.v1.tar", "sha256:" + "f".repeat(64), 1, null);
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                assertThrows(LayerdException.class, () -> resolver.resolve(layer, ManifestResolver.LINUX_AMD64)).kind());
    }

    @Test
    void platformMatchingTakesAnyVariantUnlessOneIsAskedFor() {
        assertTrue(ManifestResolver.matches("linux/amd64", "linux/amd64"));
        assertTrue(ManifestResolver.matches("linux/arm64/v8", "linux/arm64"));
        assertTrue(!ManifestResolver.matches("linux/arm64/v7", "linux/arm64/v8"));
        assertTrue(!ManifestResolver.matches("linux/amd64", "windows/amd64"));
    }

    /** Chain ids checked against sha256sum, not against the code's own arithmetic. */
    @Test
    void chainIdsMatchSha256sumOfParentSpaceDiffId() throws Exception {
        String a = "sha256:" + "1".repeat(64);
        String b = "sha256:" + "2".repeat(64);
        String c = "sha256:" + "3".repeat(64);
        List<String> chain = ChainIds.of(List.of(a, b, c));
        assertEquals(a, chain.get(0));
        assertEquals(sha256sum(a + " " + b), chain.get(1));
        assertEquals(sha256sum(chain.get(1) + " " + c), chain.get(2));
    }

    private static String sha256sum(String text) throws Exception {
        Process p = new ProcessBuilder("sha256sum").start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return "sha256:" + out.split(" ")[0];
    }
}
