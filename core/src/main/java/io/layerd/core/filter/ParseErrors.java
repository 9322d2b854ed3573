package io.layerd.core.filter;

import io.layerd.core.errors.LayerdException;

/**
 * Builds syntax errors. The message names the whole filter, then repeats it in containerd's
 * {@code [before >|c|< after]} form so the offending character stands out, e.g.
 * {@code filter "labels.": parse error at end of input: [labels.]: expected field or quoted}.
 */
final class ParseErrors {

    private ParseErrors() {
    }

    /** @param pos UTF-16 index of the offending character; reported as a code point offset */
    static LayerdException at(String input, int pos, String message) {
        String where;
        String marked;
        if (pos < input.length()) {
            int end = input.offsetByCodePoints(pos, 1);
            where = "position " + input.codePointCount(0, pos);
            marked = "[" + input.substring(0, pos) + " >|" + input.substring(pos, end) + "|< "
                    + input.substring(end) + "]";
        } else {
            where = "end of input";
            marked = "[" + input + "]";
        }
        return LayerdException.invalidArgument("filter \"%s\": parse error at %s: %s: %s",
                printable(input), where, printable(marked), printable(message));
    }

    /** Control characters would garble logs and status messages; show them as escapes. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format("\\x%02x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.toString();
    }
}
