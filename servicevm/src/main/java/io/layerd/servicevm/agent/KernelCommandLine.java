package io.layerd.servicevm.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options from the kernel command line (/proc/cmdline), where the host tells the agent how to
 * reach it: {@code layerd.transport=virtio|vsock layerd.bridge_port=<n>}. A word without '='
 * is a flag with an empty value; the last of repeated options wins, as in the kernel.
 */
record KernelCommandLine(Map<String, String> options) {
    KernelCommandLine {
        options = Map.copyOf(options);
    }

    static KernelCommandLine parse(String text) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String word : text.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            String value = eq < 0 ? "" : word.substring(eq + 1);
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            options.put(key, value);
        }
        return new KernelCommandLine(options);
    }

    /** The command line of the running kernel; empty when it cannot be read (not Linux). */
    static KernelCommandLine read(Path procCmdline) {
        try {
            return parse(Files.readString(procCmdline, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new KernelCommandLine(Map.of());
        }
    }

    String get(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /** A number in decimal or, with 0x, hexadecimal (vsock ports are often written 0x40000000). */
    long getNumber(String key, long fallback) {
        String v = options.get(key);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return Long.decode(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("kernel option " + key + "=" + v + " is not a number");
        }
    }
}
