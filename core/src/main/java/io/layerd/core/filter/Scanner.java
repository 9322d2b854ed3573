package io.layerd.core.filter;

import io.layerd.core.filter.Token.Kind;

/**
 * Splits a filter string into tokens, mirroring containerd's hand-written scanner including its
 * quirks: whitespace is skipped only where a token is expected, and the meaning of a run of
 * characters depends on whether an operator was just read (a value may contain '.', ':', '/').
 */
final class Scanner {

    /** Pseudo characters returned by {@link #next()}; code points are never negative. */
    static final int EOF = -1;
    static final int ILLEGAL = -2;

    private final String input;
    /** Start of the character last returned by {@link #next()}. */
    private int pos;
    /** End of the character last returned by {@link #next()}, i.e. where the next one starts. */
    private int ppos;
    /** Set after an operator, so that the next run of characters is read as a value. */
    private boolean value;
    /** Like containerd, keeps only the first problem found; the parser stops at the first one. */
    private String err;
    /** Whether the quoted literal being scanned contains a malformed escape. */
    private boolean badEscape;

    Scanner(String input) {
        this.input = input;
    }

    /** Why the last {@link Kind#ILLEGAL} token was rejected. */
    String err() {
        return err == null ? "illegal input" : err;
    }

    /** Index at which the character returned by {@link #peek()} starts. */
    int offset() {
        return ppos;
    }

    int next() {
        pos = ppos;
        if (ppos >= input.length()) {
            return EOF;
        }
        int r = input.codePointAt(ppos);
        ppos += Character.charCount(r);
        // Go decodes U+FFFD and broken UTF-8 alike as RuneError; an unpaired surrogate is the
        // Java counterpart of broken UTF-8.
        if (r == 0xFFFD || (r >= Character.MIN_SURROGATE && r <= Character.MAX_SURROGATE)) {
            error("rune error");
            return ILLEGAL;
        }
        if (r == 0) {
            error("unexpected null");
            return ILLEGAL;
        }
        return r;
    }

    int peek() {
        int savedPos = pos;
        int savedPpos = ppos;
        int ch = next();
        pos = savedPos;
        ppos = savedPpos;
        return ch;
    }

    Token scan() {
        int ch = next();
        while (Runes.isSpace(ch)) {
            ch = next();
        }
        int start = pos;
        if (ch == EOF) {
            return new Token(Kind.EOF, start, "");
        }
        if (ch == ILLEGAL) {
            return new Token(Kind.ILLEGAL, start, "");
        }
        if (Runes.isQuote(ch)) {
            Kind kind = scanQuoted(ch) ? Kind.QUOTED : Kind.ILLEGAL;
            return new Token(kind, start, input.substring(start, ppos));
        }
        if (Runes.isSeparator(ch)) {
            value = false;
            return new Token(Kind.SEPARATOR, start, input.substring(start, ppos));
        }
        if (Runes.isOperator(ch)) {
            while (Runes.isOperator(peek())) {
                next();
            }
            value = true;
            return new Token(Kind.OPERATOR, start, input.substring(start, ppos));
        }
        if (value) {
            while (Runes.isValue(peek())) {
                next();
            }
            value = false;
            return new Token(Kind.VALUE, start, input.substring(start, ppos));
        }
        if (Runes.isField(ch)) {
            while (Runes.isField(peek())) {
                next();
            }
            return new Token(Kind.FIELD, start, input.substring(start, ppos));
        }
        return new Token(Kind.OTHER, start, Character.toString(ch));
    }

    /**
     * Consumes a quoted literal whose opening quote was just read. Only checks the escapes
     * syntactically; decoding (and range checks such as octal {@code <= 255}) is left to
     * {@link Unquoter}.
     */
    private boolean scanQuoted(int quote) {
        badEscape = false;
        int ch = next();
        while (ch != quote) {
            if (ch == '\n' || ch < 0) {
                error("quoted literal not terminated");
                return false;
            }
            ch = ch == '\\' ? scanEscape(quote) : next();
        }
        return !badEscape;
    }

    /** Consumes an escape after its backslash; returns the character that follows it. */
    private int scanEscape(int quote) {
        int ch = next();
        switch (ch) {
            case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\':
                return next();
            case '0', '1', '2', '3', '4', '5', '6', '7':
                return scanDigits(ch, 8, 3);
            case 'x':
                return scanDigits(next(), 16, 2);
            case 'u':
                return scanDigits(next(), 16, 4);
            case 'U':
                return scanDigits(next(), 16, 8);
            default:
                if (ch == quote) {
                    return next();
                }
                // Not consumed: the offending character may be the closing quote.
                error("illegal escape sequence");
                badEscape = true;
                return ch;
        }
    }

    private int scanDigits(int ch, int base, int count) {
        while (count > 0 && Runes.digitValue(ch) < base) {
            ch = next();
            count--;
        }
        if (count > 0) {
            error("illegal numeric escape sequence");
            badEscape = true;
        }
        return ch;
    }

    private void error(String message) {
        if (err == null) {
            err = message;
        }
    }
}
