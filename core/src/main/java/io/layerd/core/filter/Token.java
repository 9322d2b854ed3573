package io.layerd.core.filter;

/**
 * One lexeme of a filter string. {@code pos} is a UTF-16 index into the input (containerd reports
 * byte offsets; the two agree for ASCII input).
 */
record Token(Kind kind, int pos, String text) {

    enum Kind {
        EOF,
        QUOTED,
        VALUE,
        FIELD,
        SEPARATOR,
        OPERATOR,
        ILLEGAL,
        /** A character that starts no token; the parser reports it as unexpected. */
        OTHER
    }
}
