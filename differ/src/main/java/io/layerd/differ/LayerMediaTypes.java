package io.layerd.differ;

import io.layerd.core.errors.LayerdException;

import java.util.Set;
import java.util.TreeSet;

/**
 * The layer media types an LCOW Apply accepts: OCI and Docker image layers, uncompressed, gzip or
 * zstd. Which decompressor runs is decided by the blob's first bytes, as containerd's
 * {@code compression.DecompressStream} does; the media type only says the blob is a layer.
 */
public final class LayerMediaTypes {
    /** The media type of what Apply returns: the uncompressed tar. */
    public static final String UNCOMPRESSED = "application/vnd.oci.image.layer.v1.tar";

    private static final Set<String> ACCEPTED = Set.of(
            UNCOMPRESSED,
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
            "application/vnd.docker.image.rootfs.diff.tar",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");

    private LayerMediaTypes() {
    }

    /** INVALID_ARGUMENT naming {@code mediaType} and the accepted ones unless it is a layer type. */
    public static void requireLayer(String digest, String mediaType) {
        if (!ACCEPTED.contains(mediaType)) {
            throw LayerdException.invalidArgument("layer %s: unsupported media type \"%s\"; accepted: %s",
                    digest, mediaType, new TreeSet<>(ACCEPTED));
        }
    }
}
