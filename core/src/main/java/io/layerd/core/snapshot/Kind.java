package io.layerd.core.snapshot;

import io.layerd.core.errors.LayerdException;

/** The three kinds of snapshot, with the lower-case names containerd uses in filters and text. */
public enum Kind {
    /** Read-only, created by View; never committable. */
    VIEW("view"),
    /** Writable, created by Prepare; becomes a committed snapshot through Commit. */
    ACTIVE("active"),
    /** Read-only and immutable; the only kind that may be a parent. */
    COMMITTED("committed");

    private final String text;

    Kind(String text) {
        this.text = text;
    }

    /** containerd's name of the kind: {@code active}, {@code view} or {@code committed}. */
    public String text() {
        return text;
    }

    public static Kind fromText(String text) {
        for (Kind k : values()) {
            if (k.text.equals(text)) {
                return k;
            }
        }
        throw LayerdException.invalidArgument("unknown snapshot kind %s", text);
    }
}
