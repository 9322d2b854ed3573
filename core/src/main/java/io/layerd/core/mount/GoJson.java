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

    /**
     * Reads what {@link #stringArray} writes (and any JSON array of strings): {@code null} is the
     * empty list. IllegalArgumentException for anything else.
     */
    public static List<String> parseStringArray(String json) {
        String t = json.trim();
        List<String> out = new java.util.ArrayList<>();
        if (t.equals("null")) {
            return out;
        }
        if (!t.startsWith("[") || !t.endsWith("]")) {
            throw new IllegalArgumentException("not a JSON array of strings: " + json);
        }
        int i = 1;
        int end = t.length() - 1;
        while (true) {
            while (i < end && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            if (i == end) {
                return out;
            }
            if (t.charAt(i) != '"') {
                throw new IllegalArgumentException("not a JSON array of strings: " + json);
            }
            StringBuilder b = new StringBuilder();
            i++;
            for (; i < end && t.charAt(i) != '"'; i++) {
                char c = t.charAt(i);
                if (c == '\\') {
                    char e = t.charAt(++i);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(t.substring(i + 1, i + 5), 16));
                            i += 4;
                        }
                        default -> b.append(e); // \" \\ \/
                    }
                } else {
                    b.append(c);
                }
            }
            if (i >= end) {
                throw new IllegalArgumentException("unterminated string in " + json);
            }
            out.add(b.toString());
            i++;
            while (i < end && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            if (i < end) {
                if (t.charAt(i) != ',') {
                    throw new IllegalArgumentException("not a JSON array of strings: " + json);
                }
                i++;
            }
        }
    }
}
