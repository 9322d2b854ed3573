package io.layerd.core.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.layerd.core.filter.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Port of containerd's pkg/filters/scanner_test.go. Positions are UTF-16 indexes where
 * containerd's are byte offsets, so only the two rows with a non-ASCII character differ.
 */
class ScannerTest {

    static String tok(int pos, Kind kind, String text) {
        return pos + " " + kind + " [" + text + "]";
    }

    static String eof(int pos) {
        return tok(pos, Kind.EOF, "");
    }

    static String bad(int pos, String text, String err) {
        return tok(pos, Kind.ILLEGAL, text) + " " + err;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("Field", "name", List.of(
                        tok(0, Kind.FIELD, "name"), eof(4))),
                Arguments.of("SelectorsWithOperators", "name==value,foo!=bar", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "=="),
                        tok(6, Kind.VALUE, "value"),
                        tok(11, Kind.SEPARATOR, ","),
                        tok(12, Kind.FIELD, "foo"),
                        tok(15, Kind.OPERATOR, "!="),
                        tok(17, Kind.VALUE, "bar"),
                        eof(20))),
                Arguments.of("SelectorsWithFieldPaths",
                        "name==value,labels.foo=value,other.bar~=match", List.of(
                                tok(0, Kind.FIELD, "name"),
                                tok(4, Kind.OPERATOR, "=="),
                                tok(6, Kind.VALUE, "value"),
                                tok(11, Kind.SEPARATOR, ","),
                                tok(12, Kind.FIELD, "labels"),
                                tok(18, Kind.SEPARATOR, "."),
                                tok(19, Kind.FIELD, "foo"),
                                tok(22, Kind.OPERATOR, "="),
                                tok(23, Kind.VALUE, "value"),
                                tok(28, Kind.SEPARATOR, ","),
                                tok(29, Kind.FIELD, "other"),
                                tok(34, Kind.SEPARATOR, "."),
                                tok(35, Kind.FIELD, "bar"),
                                tok(38, Kind.OPERATOR, "~="),
                                tok(40, Kind.VALUE, "match"),
                                eof(45))),
                Arguments.of("RegexpValue", "name~=[abc]+,foo=test", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "~="),
                        tok(6, Kind.VALUE, "[abc]+"),
                        tok(12, Kind.SEPARATOR, ","),
                        tok(13, Kind.FIELD, "foo"),
                        tok(16, Kind.OPERATOR, "="),
                        tok(17, Kind.VALUE, "test"),
                        eof(21))),
                Arguments.of("RegexpEscapedValue", "name~=[abc]\\+,foo=test", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "~="),
                        tok(6, Kind.VALUE, "[abc]\\+"),
                        tok(13, Kind.SEPARATOR, ","),
                        tok(14, Kind.FIELD, "foo"),
                        tok(17, Kind.OPERATOR, "="),
                        tok(18, Kind.VALUE, "test"),
                        eof(22))),
                Arguments.of("RegexpQuotedValue", "name~=/[abc]{0,2}/,foo=test", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "~="),
                        tok(6, Kind.QUOTED, "/[abc]{0,2}/"),
                        tok(18, Kind.SEPARATOR, ","),
                        tok(19, Kind.FIELD, "foo"),
                        tok(22, Kind.OPERATOR, "="),
                        tok(23, Kind.VALUE, "test"),
                        eof(27))),
                Arguments.of("Cowsay", "name~=牛,labels.moo=true", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "~="),
                        tok(6, Kind.VALUE, "牛"),
                        tok(7, Kind.SEPARATOR, ","),
                        tok(8, Kind.FIELD, "labels"),
                        tok(14, Kind.SEPARATOR, "."),
                        tok(15, Kind.FIELD, "moo"),
                        tok(18, Kind.OPERATOR, "="),
                        tok(19, Kind.VALUE, "true"),
                        eof(23))),
                Arguments.of("CowsayRegexpQuoted", "name~=|牛|,labels.moo=true", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "~="),
                        tok(6, Kind.QUOTED, "|牛|"),
                        tok(9, Kind.SEPARATOR, ","),
                        tok(10, Kind.FIELD, "labels"),
                        tok(16, Kind.SEPARATOR, "."),
                        tok(17, Kind.FIELD, "moo"),
                        tok(20, Kind.OPERATOR, "="),
                        tok(21, Kind.VALUE, "true"),
                        eof(25))),
                Arguments.of("Escapes", "name~=\"asdf\\n\\tfooo\"", List.of(
                        tok(0, Kind.FIELD, "name"),
                        tok(4, Kind.OPERATOR, "~="),
                        tok(6, Kind.QUOTED, "\"asdf\\n\\tfooo\""),
                        eof(20))),
                Arguments.of("NullInput", "foo\u0000bar", List.of(
                        tok(0, Kind.FIELD, "foo"),
                        bad(3, "", "unexpected null"),
                        tok(4, Kind.FIELD, "bar"),
                        eof(7))),
                Arguments.of("SpacesChomped", "foo = bar    ", List.of(
                        tok(0, Kind.FIELD, "foo"),
                        tok(4, Kind.OPERATOR, "="),
                        tok(6, Kind.VALUE, "bar"),
                        eof(13))),
                Arguments.of("ValuesPunctuated", "compound.labels==punctuated_value.foo-bar",
                        List.of(
                                tok(0, Kind.FIELD, "compound"),
                                tok(8, Kind.SEPARATOR, "."),
                                tok(9, Kind.FIELD, "labels"),
                                tok(15, Kind.OPERATOR, "=="),
                                tok(17, Kind.VALUE, "punctuated_value.foo-bar"),
                                eof(41))),
                Arguments.of("PartialInput", "interrupted=", List.of(
                        tok(0, Kind.FIELD, "interrupted"),
                        tok(11, Kind.OPERATOR, "="),
                        eof(12))),
                Arguments.of("DoubleValue", "doublevalue=value value", List.of(
                        tok(0, Kind.FIELD, "doublevalue"),
                        tok(11, Kind.OPERATOR, "="),
                        tok(12, Kind.VALUE, "value"),
                        tok(18, Kind.FIELD, "value"),
                        eof(23))),
                Arguments.of("LeadingWithQuoted", "\"leading quote\".postquote==value", List.of(
                        tok(0, Kind.QUOTED, "\"leading quote\""),
                        tok(15, Kind.SEPARATOR, "."),
                        tok(16, Kind.FIELD, "postquote"),
                        tok(25, Kind.OPERATOR, "=="),
                        tok(27, Kind.VALUE, "value"),
                        eof(32))),
                Arguments.of("MissingValue", "input==,id!=ff", List.of(
                        tok(0, Kind.FIELD, "input"),
                        tok(5, Kind.OPERATOR, "=="),
                        tok(7, Kind.SEPARATOR, ","),
                        tok(8, Kind.FIELD, "id"),
                        tok(10, Kind.OPERATOR, "!="),
                        tok(12, Kind.VALUE, "ff"),
                        eof(14))),
                Arguments.of("QuotedRegexp", "input~=/foo\\/bar/,id!=ff", List.of(
                        tok(0, Kind.FIELD, "input"),
                        tok(5, Kind.OPERATOR, "~="),
                        tok(7, Kind.QUOTED, "/foo\\/bar/"),
                        tok(17, Kind.SEPARATOR, ","),
                        tok(18, Kind.FIELD, "id"),
                        tok(20, Kind.OPERATOR, "!="),
                        tok(22, Kind.VALUE, "ff"),
                        eof(24))),
                Arguments.of("QuotedRegexpAlt", "input~=|foo/bar|,id!=ff", List.of(
                        tok(0, Kind.FIELD, "input"),
                        tok(5, Kind.OPERATOR, "~="),
                        tok(7, Kind.QUOTED, "|foo/bar|"),
                        tok(16, Kind.SEPARATOR, ","),
                        tok(17, Kind.FIELD, "id"),
                        tok(19, Kind.OPERATOR, "!="),
                        tok(21, Kind.VALUE, "ff"),
                        eof(23))),
                Arguments.of("IllegalQuoted", "labels.containerd.io/key==value", List.of(
                        tok(0, Kind.FIELD, "labels"),
                        tok(6, Kind.SEPARATOR, "."),
                        tok(7, Kind.FIELD, "containerd"),
                        tok(17, Kind.SEPARATOR, "."),
                        tok(18, Kind.FIELD, "io"),
                        bad(20, "/key==value", "quoted literal not terminated"),
                        eof(31))),
                Arguments.of("IllegalQuotedWithNewLine", "labels.\"containerd.io\nkey\"==value",
                        List.of(
                                tok(0, Kind.FIELD, "labels"),
                                tok(6, Kind.SEPARATOR, "."),
                                bad(7, "\"containerd.io\n", "quoted literal not terminated"),
                                tok(22, Kind.FIELD, "key"),
                                bad(25, "\"==value", "quoted literal not terminated"),
                                eof(33))),
                Arguments.of("IllegalEscapeSequence", "labels.\"\\g\"", List.of(
                        tok(0, Kind.FIELD, "labels"),
                        tok(6, Kind.SEPARATOR, "."),
                        bad(7, "\"\\g\"", "illegal escape sequence"),
                        eof(11))),
                Arguments.of("IllegalNumericEscapeSequence", "labels.\"\\xaz\"", List.of(
                        tok(0, Kind.FIELD, "labels"),
                        tok(6, Kind.SEPARATOR, "."),
                        bad(7, "\"\\xaz\"", "illegal numeric escape sequence"),
                        eof(13))),
                // not in containerd's table
                Arguments.of("UnexpectedCharacter", "labels.?x", List.of(
                        tok(0, Kind.FIELD, "labels"),
                        tok(6, Kind.SEPARATOR, "."),
                        tok(7, Kind.OTHER, "?"),
                        tok(8, Kind.FIELD, "x"),
                        eof(9))),
                Arguments.of("FieldRunes", "-a_1.B9", List.of(
                        tok(0, Kind.FIELD, "-a_1"),
                        tok(4, Kind.SEPARATOR, "."),
                        tok(5, Kind.FIELD, "B9"),
                        eof(7))),
                Arguments.of("BackquoteIsNotAQuote", "x==`a b`", List.of(
                        tok(0, Kind.FIELD, "x"),
                        tok(1, Kind.OPERATOR, "=="),
                        tok(3, Kind.VALUE, "`a"),
                        tok(6, Kind.FIELD, "b"),
                        tok(7, Kind.OTHER, "`"),
                        eof(8))),
                Arguments.of("GoSpacesOnly", "x==a\u00a0b\u001cc", List.of(
                        tok(0, Kind.FIELD, "x"),
                        tok(1, Kind.OPERATOR, "=="),
                        tok(3, Kind.VALUE, "a"),
                        tok(5, Kind.FIELD, "b"),
                        tok(6, Kind.OTHER, "\u001c"),
                        tok(7, Kind.FIELD, "c"),
                        eof(8))),
                Arguments.of("ReplacementCharacterIsIllegal", "x\uFFFDy", List.of(
                        tok(0, Kind.FIELD, "x"),
                        bad(1, "", "rune error"),
                        tok(2, Kind.FIELD, "y"),
                        eof(3))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void scan(String name, String input, List<String> expected) {
        Scanner sc = new Scanner(input);
        List<String> actual = new ArrayList<>();
        for (int i = 0; i <= expected.size(); i++) {
            Token t = sc.scan();
            String s = tok(t.pos(), t.kind(), t.text());
            actual.add(t.kind() == Kind.ILLEGAL ? s + " " + sc.err() : s);
            if (t.kind() == Kind.EOF) {
                break;
            }
        }
        assertEquals(expected, actual);
        assertEquals(Kind.EOF, sc.scan().kind(), "must consume all input");
    }
}
