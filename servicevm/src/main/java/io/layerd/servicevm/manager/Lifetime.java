package io.layerd.servicevm.manager;

import java.util.Locale;

/** How long a service VM lives and whom it serves. */
public enum Lifetime {
    /** One VM for every owner, started on first use, kept until the daemon stops (or idles out). */
    GLOBAL,
    /** One VM per owner, stopped when the owner's last lease is released: slower, isolated. */
    PER_INSTANCE;

    public static Lifetime parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "global" -> GLOBAL;
            case "per-instance", "per_instance", "perinstance" -> PER_INSTANCE;
            default -> throw new IllegalArgumentException("service VM mode must be 'global' or 'per-instance', not '" + s + "'");
        };
    }

    public String configName() {
        return this == GLOBAL ? "global" : "per-instance";
    }
}
