package io.layerd.core.content;

import io.layerd.core.errors.LayerdException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** The digest form layerd accepts, {@code sha256:<64 lower-case hex>}, and a SHA-256 to compute it. */
public final class Digests {
    private static final String PREFIX = "sha256:";
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    private Digests() {
    }

    /** Returns {@code digest} if well formed; INVALID_ARGUMENT naming it otherwise. */
    public static String require(String digest) {
        if (digest == null || !SHA256.matcher(digest).matches()) {
            throw LayerdException.invalidArgument("digest \"%s\": not of the form sha256:<64 hex digits>", digest);
        }
        return digest;
    }

    /** The hex part of a well-formed digest. */
    public static String hex(String digest) {
        return require(digest).substring(PREFIX.length());
    }

    public static String of(MessageDigest finished) {
        return PREFIX + HexFormat.of().formatHex(finished.digest());
    }

    public static String of(byte[] data) {
        MessageDigest md = sha256();
        md.update(data);
        return of(md);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
    }
}
