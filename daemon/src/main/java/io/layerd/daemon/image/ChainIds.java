package io.layerd.daemon.image;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * OCI chain ids: the first layer's is its diffID; each next one is
 * {@code sha256("<parent chain id> <diffID>")}. containerd commits each unpacked layer under its
 * chain id, so an unpack that names snapshots this way shares them with containerd's own.
 */
public final class ChainIds {
    private ChainIds() {
    }

    public static List<String> of(List<String> diffIds) {
        List<String> out = new ArrayList<>(diffIds.size());
        String chain = null;
        for (String diffId : diffIds) {
            chain = chain == null ? diffId : sha256(chain + " " + diffId);
            out.add(chain);
        }
        return out;
    }

    private static String sha256(String text) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
    }
}
