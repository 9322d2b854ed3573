package io.layerd.core.filter;

/**
 * Character classes of the filter scanner. They follow Go's {@code unicode} package rather than
 * {@link Character#isWhitespace}, whose idea of space differs (e.g. for U+00A0 and U+001C).
 */
final class Runes {

    private Runes() {
    }

    static boolean isField(int r) {
        return r == '-' || r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
                || (r >= '0' && r <= '9');
    }

    static boolean isOperator(int r) {
        return r == '=' || r == '!' || r == '~';
    }

    /** Backquote and single quote are not quote characters here, although Go has them. */
    static boolean isQuote(int r) {
        return r == '"' || r == '/' || r == '|';
    }

    static boolean isSeparator(int r) {
        return r == ',' || r == '.';
    }

    static boolean isValue(int r) {
        return r != ',' && !isSpace(r) && isGraphic(r);
    }

    /** Go's {@code unicode.IsSpace}. */
    static boolean isSpace(int r) {
        switch (r) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0,
                    0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
                return true;
            default:
                return r >= 0x2000 && r <= 0x200A;
        }
    }

    /** Go's {@code unicode.IsGraphic}: letters, marks, numbers, punctuation, symbols, Zs. */
    private static boolean isGraphic(int r) {
        if (r < 0 || r > Character.MAX_CODE_POINT) {
            return false;
        }
        switch (Character.getType(r)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER, Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK, Character.ENCLOSING_MARK,
                    Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER,
                    Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION,
                    Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                    Character.OTHER_SYMBOL,
                    Character.SPACE_SEPARATOR:
                return true;
            default:
                return false;
        }
    }

    /** Value of a hex digit, or 16 (larger than any base in use) for anything else. */
    static int digitValue(int r) {
        if (r >= '0' && r <= '9') {
            return r - '0';
        }
        if (r >= 'a' && r <= 'f') {
            return r - 'a' + 10;
        }
        if (r >= 'A' && r <= 'F') {
            return r - 'A' + 10;
        }
        return 16;
    }
}
