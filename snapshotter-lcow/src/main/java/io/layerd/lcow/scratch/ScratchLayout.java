package io.layerd.lcow.scratch;

import io.layerd.core.errors.LayerdException;

import java.util.Map;

/**
 * Where a container's changes live inside its scratch: overlayfs' upper directory {@code upper/}
 * and work directory {@code work/} at the root of the ext4, the layout LCOW runtimes use for one
 * container per scratch. When several containers share a scratch ({@code reuse-scratch}), the
 * label {@value #SUBDIRECTORY_LABEL} names the directory holding this container's pair.
 */
public record ScratchLayout(String upperDir, String workDir) {
    public static final String SUBDIRECTORY_LABEL = ScratchLabels.PREFIX + "io.layerd.lcow.scratch-dir";
    public static final ScratchLayout SINGLE = new ScratchLayout("upper", "work");

    /** The layout a snapshot's labels ask for; INVALID_ARGUMENT for a directory that is not a plain relative path. */
    public static ScratchLayout of(String key, Map<String, String> labels) {
        String sub = labels.getOrDefault(SUBDIRECTORY_LABEL, "");
        if (sub.isEmpty()) {
            return SINGLE;
        }
        for (String part : sub.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw LayerdException.invalidArgument("snapshot \"%s\": label %s=\"%s\" must be a relative directory without . or ..",
                        key, SUBDIRECTORY_LABEL, sub);
            }
        }
        return new ScratchLayout(sub + "/upper", sub + "/work");
    }
}
