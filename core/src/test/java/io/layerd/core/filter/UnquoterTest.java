package io.layerd.core.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UnquoterTest {

    static Stream<Arguments> decoded() {
        return Stream.of(
                Arguments.of("plain", "\"abc\"", "abc"),
                Arguments.of("empty", "\"\"", ""),
                Arguments.of("simple escapes", "\"\\a\\b\\f\\n\\r\\t\\v\\\\\"",
                        "\u0007\b\f\n\r\t\u000b\\"),
                Arguments.of("escaped double quote", "\"a\\\"b\"", "a\"b"),
                Arguments.of("escaped slash in slashes", "/a\\/b/", "a/b"),
                Arguments.of("escaped pipe in pipes", "|a\\|b|", "a|b"),
                Arguments.of("double quote in slashes", "/a\"b/", "a\"b"),
                Arguments.of("hex", "\"\\x41\"", "A"),
                Arguments.of("hex bytes form UTF-8", "\"\\xc3\\xa9\"", "é"),
                Arguments.of("octal", "\"\\101\\303\\251\"", "Aé"),
                Arguments.of("invalid UTF-8 byte", "\"\\377\"", "\uFFFD"),
                Arguments.of("short unicode", "\"\\u00e9\\u0041\"", "éA"),
                Arguments.of("long unicode", "\"\\U0001F600\"", "\uD83D\uDE00"),
                Arguments.of("surrogate escape", "\"\\ud800\"", "\uFFFD"),
                Arguments.of("non-ASCII passes through", "\"牛\uD83D\uDE00\"", "牛\uD83D\uDE00"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decoded")
    void decodes(String name, String quoted, String expected) {
        assertEquals(Optional.of(expected), Unquoter.unquote(quoted));
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("too short", "\""),
                Arguments.of("mismatched delimiters", "\"abc/"),
                Arguments.of("backquote is not handled", "`abc`"),
                Arguments.of("single quote is not handled", "'a'"),
                Arguments.of("unescaped delimiter", "\"a\"b\""),
                Arguments.of("newline", "\"a\nb\""),
                Arguments.of("trailing backslash", "\"a\\\""),
                Arguments.of("unknown escape", "\"\\g\""),
                Arguments.of("foreign quote escape", "\"\\'\""),
                Arguments.of("slash escape in double quotes", "\"\\/\""),
                Arguments.of("short hex", "\"\\x4\""),
                Arguments.of("bad hex digit", "\"\\xag\""),
                Arguments.of("octal over 255", "\"\\400\""),
                Arguments.of("short octal", "\"\\12\""),
                Arguments.of("beyond unicode", "\"\\U00110000\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejects(String name, String quoted) {
        assertEquals(Optional.empty(), Unquoter.unquote(quoted));
    }
}
