package io.layerd.core.filter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Decodes a quoted literal the way Go's {@code strconv.Unquote} decodes a double-quoted string,
 * extended (as in containerd) to accept {@code /} and {@code |} as the delimiter, so that regular
 * expressions containing {@code "} can be written. Only these three delimiters are handled
 * because they are the only ones the scanner produces.
 *
 * <p>Go strings are byte strings: {@code \xNN} and octal escapes yield single bytes, which may
 * combine into multi-byte UTF-8 characters ({@code "\xc3\xa9"} is "é"). The decoded bytes are
 * therefore collected first and read as UTF-8 at the end; sequences that are not valid UTF-8
 * become U+FFFD, since a Java string cannot hold them.
 */
final class Unquoter {

    private static final String SIMPLE_ESCAPES = "abfnrtv\\";
    private static final byte[] SIMPLE_VALUES = {0x07, '\b', '\f', '\n', '\r', '\t', 0x0B, '\\'};

    private Unquoter() {
    }

    /** The decoded text, or empty if {@code quoted} is not a well-formed literal. */
    static Optional<String> unquote(String quoted) {
        int n = quoted.length();
        if (n < 2) {
            return Optional.empty();
        }
        char quote = quoted.charAt(0);
        if (quoted.charAt(n - 1) != quote || !Runes.isQuote(quote)) {
            return Optional.empty();
        }
        String body = quoted.substring(1, n - 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length());
        int i = 0;
        while (i < body.length()) {
            int c = body.codePointAt(i);
            if (c == quote || c == '\n') {
                return Optional.empty();
            }
            if (c != '\\') {
                writeRune(out, c);
                i += Character.charCount(c);
                continue;
            }
            i = unescape(body, i + 1, quote, out);
            if (i < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    /** Decodes the escape whose letter is at {@code at}; returns the index after it, or -1. */
    private static int unescape(String body, int at, char quote, ByteArrayOutputStream out) {
        if (at >= body.length()) {
            return -1;
        }
        char c = body.charAt(at);
        int rest = at + 1;
        int simple = SIMPLE_ESCAPES.indexOf(c);
        if (simple >= 0) {
            out.write(SIMPLE_VALUES[simple]);
            return rest;
        }
        switch (c) {
            case 'x':
                return hex(body, rest, 2, out, false);
            case 'u':
                return hex(body, rest, 4, out, true);
            case 'U':
                return hex(body, rest, 8, out, true);
            case '0', '1', '2', '3', '4', '5', '6', '7':
                return octal(body, at, out);
            case '\'', '"', '|', '/':
                if (c != quote) {
                    return -1;
                }
                out.write(c);
                return rest;
            default:
                return -1;
        }
    }

    private static int hex(String body, int at, int digits, ByteArrayOutputStream out,
            boolean rune) {
        if (at + digits > body.length()) {
            return -1;
        }
        long v = 0;
        for (int j = 0; j < digits; j++) {
            int d = Runes.digitValue(body.charAt(at + j));
            if (d >= 16) {
                return -1;
            }
            v = v << 4 | d;
        }
        if (!rune) {
            out.write((int) v);
        } else if (v > Character.MAX_CODE_POINT) {
            return -1;
        } else {
            writeRune(out, (int) v);
        }
        return at + digits;
    }

    private static int octal(String body, int at, ByteArrayOutputStream out) {
        if (at + 3 > body.length()) {
            return -1;
        }
        int v = 0;
        for (int j = 0; j < 3; j++) {
            int d = body.charAt(at + j) - '0';
            if (d < 0 || d > 7) {
                return -1;
            }
            v = v << 3 | d;
        }
        if (v > 255) {
            return -1;
        }
        out.write(v);
        return at + 3;
    }

    /** UTF-8 encodes a code point; surrogates become U+FFFD as in Go's {@code utf8.EncodeRune}. */
    private static void writeRune(ByteArrayOutputStream out, int r) {
        if (r >= Character.MIN_SURROGATE && r <= Character.MAX_SURROGATE) {
            r = 0xFFFD;
        }
        out.writeBytes(Character.toString(r).getBytes(StandardCharsets.UTF_8));
    }
}
