package io.layerd.core.mount;

import java.util.List;

/**
 * JSON text exactly as Go's {@code encoding/json} writes it, because Windows-family mount
 * options carry Go-encoded arrays and their consumers (hcsshim, runhcs) are Go programs that
 * compare and parse them. A nil slice encodes as {@code null}; HTML-sensitive characters are
 * escaped as {@code \u003c} and friends, as Go does by default.
 */
public final class GoJson {
    private GoJson() {
    }

    /** A string array; {@code null} for an empty list, as Go encodes a nil slice. */
    public static String stringArray(List<String> values) {
        if (values.isEmpty()) {
            return "null";
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            string(b, values.get(i));
        }
        return b.append(']').toString();
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
