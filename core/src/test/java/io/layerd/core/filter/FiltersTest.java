package io.layerd.core.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FiltersTest {

    // ---------------------------------------------------------------------------------------
    // Port of containerd pkg/filters/filter_test.go TestFilters
    // ---------------------------------------------------------------------------------------

    record Entry(String name, String other, Map<String, String> labels) {
    }

    static final List<Entry> CORPUS = List.of(
            new Entry("foo", "", Map.of("foo", "true")),
            new Entry("bar", "", Map.of()),
            new Entry("foo", "", Map.of("foo", "present", "more complex label", "present")),
            new Entry("bar", "", Map.of("bar", "true")),
            new Entry("fooer", "", Map.of("more complex label with \\ and \"", "present")),
            new Entry("fooer", "", Map.of("more complex label with \\ and \".post", "present")),
            new Entry("baz", "too complex, yo", Map.of()),
            new Entry("bazo", "abc", Map.of()),
            new Entry("compound", "", Map.of("foo", "omg_asdf.asdf-qwer")));

    /** The adaptor of the Go test: name and other are present only when non-empty. */
    static FieldAdaptor adapt(Entry e) {
        return path -> switch (path.get(0)) {
            case "name" -> e.name().isEmpty() ? Optional.empty() : Optional.of(e.name());
            case "other" -> e.other().isEmpty() ? Optional.empty() : Optional.of(e.other());
            case "labels" -> Optional.ofNullable(
                    e.labels().get(String.join(".", path.subList(1, path.size()))));
            default -> Optional.empty();
        };
    }

    static List<Integer> matchingIndexes(Filter filter) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < CORPUS.size(); i++) {
            if (filter.matches(adapt(CORPUS.get(i)))) {
                out.add(i);
            }
        }
        return out;
    }

    static List<Integer> all() {
        return IntStream.range(0, CORPUS.size()).boxed().toList();
    }

    static Stream<Arguments> containerdMatches() {
        return Stream.of(
                Arguments.of("Empty", "", all()),
                Arguments.of("Present", "name", all()),
                Arguments.of("LabelPresent", "labels.foo", List.of(0, 2, 8)),
                Arguments.of("NameAndLabelPresent", "labels.foo,name", List.of(0, 2, 8)),
                Arguments.of("LabelValue", "labels.foo==true", List.of(0)),
                Arguments.of("LabelValuePunctuated", "labels.foo==omg_asdf.asdf-qwer",
                        List.of(8)),
                Arguments.of("Name", "name==bar", List.of(1, 3)),
                Arguments.of("NameNotEqual", "name!=bar", List.of(0, 2, 4, 5, 6, 7, 8)),
                Arguments.of("NameAndLabelPresent", "name==bar,labels.bar", List.of(3)),
                Arguments.of("QuotedValue", "other==\"too complex, yo\"", List.of(6)),
                Arguments.of("RegexpValue", "other~=[abc]+,name!=foo", List.of(6, 7)),
                Arguments.of("RegexpQuotedValue", "other~=/[abc]+/,name!=foo", List.of(6, 7)),
                Arguments.of("RegexpQuotedValue", "other~=/[abc]{1,2}/,name!=foo",
                        List.of(6, 7)),
                Arguments.of("RegexpQuotedValueGarbage",
                        "other~=/[abc]{0,1}\"\\//,name!=foo", List.of()),
                Arguments.of("NameAndLabelValue", "name==bar,labels.bar==true", List.of(3)),
                Arguments.of("NameAndLabelValueNoMatch", "name==bar,labels.bar==wrong",
                        List.of()),
                Arguments.of("LabelQuotedFieldPathPresent",
                        "name==foo,labels.\"more complex label\"", List.of(2)),
                Arguments.of("LabelQuotedFieldPathPresentWithQuoted",
                        "labels.\"more complex label with \\\\ and \\\"\"==present", List.of(4)),
                Arguments.of("LabelQuotedFieldPathPresentWithQuotedEmbed",
                        "labels.\"more complex label with \\\\ and \\\"\".post==present",
                        List.of(5)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("containerdMatches")
    void containerdFilterCases(String name, String input, List<Integer> expected) {
        assertEquals(expected, matchingIndexes(Filters.parse(input)), input);
    }

    /** The error strings are containerd's verbatim; ours carry the same text after a header. */
    static Stream<Arguments> containerdErrors() {
        return Stream.of(
                Arguments.of("LabelValueNoAltQuoting", "labels.|foo|==omg_asdf.asdf-qwer",
                        "filters: parse error: [labels. >|||< foo|==omg_asdf.asdf-qwer]: "
                                + "invalid quote encountered"),
                Arguments.of("LabelQuotedFieldPathPresentWithQuotedEmbedInvalid",
                        "labels.?\"more complex label with \\\\ and \\\"\".post==present",
                        "filters: parse error: [labels. >|?|< \"more complex label with \\\\ "
                                + "and \\\"\".post==present]: expected field or quoted"),
                Arguments.of("TrailingComma", "name==foo,",
                        "filters: parse error: [name==foo,]: expected field or quoted"),
                Arguments.of("TrailingFieldSeparator", "labels.",
                        "filters: parse error: [labels.]: expected field or quoted"),
                Arguments.of("MissingValue", "image~=,id?=?fbaq",
                        "filters: parse error: [image~= >|,|< id?=?fbaq]: "
                                + "expected value or quoted"),
                Arguments.of("FieldQuotedLiteralNotTerminated", "labels.ns/key==value",
                        "filters: parse error: [labels.ns >|/|< key==value]: "
                                + "quoted literal not terminated"),
                Arguments.of("ValueQuotedLiteralNotTerminated", "labels.key==/value",
                        "filters: parse error: [labels.key== >|/|< value]: "
                                + "quoted literal not terminated"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("containerdErrors")
    void containerdErrorCases(String name, String input, String goError) {
        LayerdException e = assertInvalid(input);
        String goDetail = goError.substring("filters: parse error: ".length());
        assertTrue(e.getMessage().endsWith(": " + goDetail), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------
    // Port of the Walk/List filter checks of containerd's snapshot testsuite
    // ---------------------------------------------------------------------------------------

    record Snap(String name, String kind, String parent, Map<String, String> labels) {
    }

    static final Map<String, String> WALK = Map.of("containerd.io/gc.root", "check-walk");

    static Map<String, String> walkWith(String l) {
        return Map.of("l", l, "containerd.io/gc.root", "check-walk");
    }

    static final List<Snap> SNAPSHOTS = List.of(
            new Snap("a-np", "active", "", WALK),
            new Snap("p", "committed", "", WALK),
            new Snap("a", "active", "p", WALK),
            new Snap("v", "view", "p", WALK),
            new Snap("p-wl", "committed", "", walkWith("1")),
            new Snap("a-wl", "active", "p-wl", walkWith("2")),
            new Snap("v-wl", "view", "p-wl", walkWith("3")),
            new Snap("a-np-wl", "active", "", walkWith("2")),
            // not in containerd's suite: no gc.root label, so its rows are unaffected
            new Snap("p-ref", "committed", "",
                    Map.of("containerd.io/snapshot.ref", "sha256:abc")));

    /** Mirrors containerd's adaptSnapshot: kind, name and parent are always present. */
    static FieldAdaptor adaptSnapshot(Snap s) {
        return path -> {
            if (path.isEmpty()) {
                return Optional.empty();
            }
            return switch (path.get(0)) {
                case "kind" -> Optional.of(s.kind());
                case "name" -> Optional.of(s.name());
                case "parent" -> Optional.of(s.parent());
                case "labels" -> FieldAdaptor.mapField(path.subList(1, path.size()), s.labels());
                default -> Optional.empty();
            };
        };
    }

    static List<String> walk(List<String> filters) {
        Filter f = Filters.parseAll(filters);
        return SNAPSHOTS.stream().filter(s -> f.matches(adaptSnapshot(s))).map(Snap::name)
                .sorted().toList();
    }

    static Stream<Arguments> snapshotWalks() {
        String gcRoot = "labels.\"containerd.io/gc.root\"==check-walk";
        return Stream.of(
                Arguments.of(List.of(gcRoot),
                        List.of("a-np", "p", "a", "v", "p-wl", "a-wl", "v-wl", "a-np-wl")),
                Arguments.of(List.of("kind==active," + gcRoot),
                        List.of("a-np", "a", "a-wl", "a-np-wl")),
                Arguments.of(List.of("kind==view," + gcRoot), List.of("v", "v-wl")),
                Arguments.of(List.of("kind==committed," + gcRoot), List.of("p", "p-wl")),
                Arguments.of(List.of("name==p", "name==a-np-wl"), List.of("p", "a-np-wl")),
                Arguments.of(List.of("name==a-wl,labels.l"), List.of("a-wl")),
                Arguments.of(List.of("parent==p"), List.of("a", "v")),
                Arguments.of(List.of("parent!=\"\"," + gcRoot),
                        List.of("a", "v", "a-wl", "v-wl")),
                Arguments.of(List.of("labels.l"), List.of("p-wl", "a-wl", "v-wl", "a-np-wl")),
                Arguments.of(List.of("labels.l==2"), List.of("a-wl", "a-np-wl")),
                // single selectors and OR lists beyond containerd's table
                Arguments.of(List.of("kind==active"), List.of("a-np", "a", "a-wl", "a-np-wl")),
                Arguments.of(List.of("kind==view"), List.of("v", "v-wl")),
                Arguments.of(List.of("kind==committed"), List.of("p", "p-wl", "p-ref")),
                Arguments.of(List.of("name==p"), List.of("p")),
                Arguments.of(List.of("parent!=\"\""), List.of("a", "v", "a-wl", "v-wl")),
                Arguments.of(List.of("labels.\"containerd.io/gc.root\""),
                        List.of("a-np", "p", "a", "v", "p-wl", "a-wl", "v-wl", "a-np-wl")),
                Arguments.of(List.of("labels.\"containerd.io/snapshot.ref\"==sha256:abc"),
                        List.of("p-ref")),
                Arguments.of(List.of("labels.\"containerd.io/snapshot.ref\"==sha256:abd"),
                        List.of()),
                Arguments.of(List.of("kind==view", "name==p"), List.of("p", "v", "v-wl")),
                Arguments.of(List.of("labels.l==1", "labels.l==3"), List.of("p-wl", "v-wl")),
                Arguments.of(List.of("kind==view,name==p", "name==nope"), List.of()),
                Arguments.of(List.of("name==nope", ""),
                        SNAPSHOTS.stream().map(Snap::name).toList()),
                Arguments.of(List.of(), SNAPSHOTS.stream().map(Snap::name).toList()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshotWalks")
    void snapshotWalkFilters(List<String> filters, List<String> expected) {
        assertEquals(expected.stream().sorted().toList(), walk(filters), filters.toString());
    }

    // ---------------------------------------------------------------------------------------
    // Semantics that the tables above do not pin down
    // ---------------------------------------------------------------------------------------

    static final FieldAdaptor NOTHING = path -> Optional.empty();

    static FieldAdaptor only(String key, String value) {
        return path -> String.join(".", path).equals(key) ? Optional.of(value) : Optional.empty();
    }

    @Nested
    class Semantics {

        @Test
        void emptyStringAndEmptyListMatchEverything() {
            assertSame(Filter.ALWAYS, Filters.parse(""));
            assertSame(Filter.ALWAYS, Filters.parseAll(List.of()));
            assertSame(Filter.ALWAYS, Filters.parseAll(null));
            assertTrue(Filters.parseAll(List.of("")).matches(NOTHING));
        }

        @Test
        void blankStringIsNotEmpty() {
            LayerdException e = assertInvalid("   ");
            assertTrue(e.getMessage().endsWith("at end of input: [   ]: expected field or quoted"),
                    e.getMessage());
        }

        @Test
        void absentFieldComparesAsEmptyForNotEqualAndRegex() {
            assertTrue(Filters.parse("labels.x!=y").matches(NOTHING));
            assertFalse(Filters.parse("labels.x!=\"\"").matches(NOTHING));
            assertFalse(Filters.parse("labels.x==\"\"").matches(NOTHING));
            assertFalse(Filters.parse("labels.x").matches(NOTHING));
            assertTrue(Filters.parse("labels.x~=^$").matches(NOTHING));
            assertFalse(Filters.parse("labels.x~=^.").matches(NOTHING));
        }

        @Test
        void presentEmptyValueIsPresent() {
            FieldAdaptor empty = only("labels.x", "");
            assertTrue(Filters.parse("labels.x").matches(empty));
            assertTrue(Filters.parse("labels.x==\"\"").matches(empty));
            assertFalse(Filters.parse("labels.x!=\"\"").matches(empty));
        }

        @Test
        void allSelectorsOfOneStringMustMatch() {
            FieldAdaptor a = path -> Optional.of(path.get(0));
            assertTrue(Filters.parse("x==x,y==y").matches(a));
            assertFalse(Filters.parse("x==x,y==z").matches(a));
            assertFalse(Filters.parse("x==z,y==y").matches(a));
        }

        @Test
        void regexIsUnanchoredSearch() {
            assertTrue(Filters.parse("name~=oo").matches(only("name", "foo")));
            assertFalse(Filters.parse("name~=^oo").matches(only("name", "foo")));
            assertTrue(Filters.parse("name~=^fo+$").matches(only("name", "foo")));
        }

        @Test
        void pipeInsideAnUnquotedRegexIsAlternation() {
            Filter f = Filters.parse("name~=^(foo|bar)$");
            assertTrue(f.matches(only("name", "foo")));
            assertTrue(f.matches(only("name", "bar")));
            assertFalse(f.matches(only("name", "baz")));
            assertTrue(Filters.parse("name~=foo|bar").matches(only("name", "xbar")));
        }

        @Test
        void regexQuotingStyles() {
            assertTrue(Filters.parse("name~=|fo+|").matches(only("name", "foo")));
            assertTrue(Filters.parse("name~=/a,b/").matches(only("name", "a,b")));
            assertTrue(Filters.parse("name~=\"a b\"").matches(only("name", "a b")));
            Filter quotedDot = Filters.parse("name~=/^a\\\\.b$/");
            assertTrue(quotedDot.matches(only("name", "a.b")));
            assertFalse(quotedDot.matches(only("name", "axb")));
            Filter rawDot = Filters.parse("name~=^a\\.b$");
            assertTrue(rawDot.matches(only("name", "a.b")));
            assertFalse(rawDot.matches(only("name", "axb")));
        }

        @Test
        void regexDotMatchesCarriageReturnLikeRe2() {
            assertTrue(Filters.parse("name~=^a.b$").matches(only("name", "a\rb")));
            assertFalse(Filters.parse("name~=^a.b$").matches(only("name", "a\nb")));
        }

        @Test
        void whitespaceAroundOperatorsAndAfterCommas() {
            FieldAdaptor a = path -> Optional.of(String.join(".", path));
            assertTrue(Filters.parse("  name == name").matches(a));
            assertTrue(Filters.parse("name==name,   labels.l").matches(a));
            assertTrue(Filters.parse("name ~= ^na").matches(a));
        }

        @Test
        void valueRunsToCommaOrSpaceAndMayHoldPunctuation() {
            assertTrue(Filters.parse("labels.x==a.b/c:d=e|f\"g").matches(
                    only("labels.x", "a.b/c:d=e|f\"g")));
            assertTrue(Filters.parse("labels.x==牛").matches(only("labels.x", "牛")));
        }

        @Test
        void fieldPathElements() {
            List<List<String>> seen = new ArrayList<>();
            FieldAdaptor recorder = path -> {
                seen.add(path);
                return Optional.empty();
            };
            Filters.parse("labels.\"containerd.io/gc.root\"").matches(recorder);
            Filters.parse("labels.containerd.io").matches(recorder);
            Filters.parse("1-x_Y.\"a \\u00e9\\x41\"").matches(recorder);
            assertEquals(List.of(
                    List.of("labels", "containerd.io/gc.root"),
                    List.of("labels", "containerd", "io"),
                    List.of("1-x_Y", "a éA")), seen);
        }

        @Test
        void dottedAndQuotedLabelKeysAreTheSameKey() {
            FieldAdaptor a = path -> FieldAdaptor.mapField(path.subList(1, path.size()),
                    Map.of("a.b", "v"));
            assertTrue(Filters.parse("labels.a.b==v").matches(a));
            assertTrue(Filters.parse("labels.\"a.b\"==v").matches(a));
        }
    }

    @Nested
    class MapField {

        @Test
        void joinsTheRestWithDots() {
            assertEquals(Optional.of("v"), FieldAdaptor.mapField(List.of("a", "b"),
                    Map.of("a.b", "v")));
            assertEquals(Optional.empty(), FieldAdaptor.mapField(List.of("a"),
                    Map.of("a.b", "v")));
        }

        @Test
        void emptyOrMissingMapHasNoFields() {
            assertEquals(Optional.empty(), FieldAdaptor.mapField(List.of(), Map.of()));
            assertEquals(Optional.empty(), FieldAdaptor.mapField(List.of("a"), null));
            assertEquals(Optional.of("root"), FieldAdaptor.mapField(List.of(),
                    Map.of("", "root")));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Malformed input
    // ---------------------------------------------------------------------------------------

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("labels.", "at end of input: [labels.]: expected field or quoted"),
                Arguments.of("name==", "at end of input: [name==]: expected value or quoted"),
                Arguments.of("==x", "at position 0: [ >|=|< =x]: expected field or quoted"),
                Arguments.of("name=x", "at position 4: [name >|=|< x]: unsupported operator \"=\""),
                Arguments.of("name===x", "unsupported operator \"===\""),
                Arguments.of("labels.\"abc", "at position 7: [labels. >|\"|< abc]: "
                        + "quoted literal not terminated"),
                Arguments.of("name==\"abc", "quoted literal not terminated"),
                Arguments.of("name~=[abc", "at position 6: [name~= >|[|< abc]: "
                        + "invalid regular expression: Unclosed character class"),
                Arguments.of("name~=/(x/", "at position 6: [name~= >|/|< (x/]: "
                        + "invalid regular expression"),
                Arguments.of("name==foo,", "at end of input: [name==foo,]: "
                        + "expected field or quoted"),
                Arguments.of(",name", "at position 0: [ >|,|< name]: expected field or quoted"),
                Arguments.of("name==foo,,x", "expected field or quoted"),
                Arguments.of("name==foo ", "at position 9: [name==foo >| |< ]: "
                        + "unexpected input:  "),
                Arguments.of("name==foo ,x", "unexpected input:  "),
                Arguments.of("labels.foo ", "at end of input: [labels.foo ]: "
                        + "expected an operator (\"==\"|\"!=\"|\"~=\")"),
                Arguments.of("name==\"a\"b", "at position 9: [name==\"a\" >|b|< ]: "
                        + "unexpected input: b"),
                Arguments.of("name \"x\"", "expected an operator"),
                Arguments.of("name==.x", "at position 6: [name== >|.|< x]: "
                        + "expected value or quoted"),
                Arguments.of("name==|x|", "at position 6: [name== >|||< x|]: "
                        + "invalid quote encountered"),
                Arguments.of("labels./x/", "invalid quote encountered"),
                Arguments.of("labels.'x'", "at position 7: [labels. >|'|< x']: "
                        + "expected field or quoted"),
                Arguments.of("labels.`x`", "expected field or quoted"),
                Arguments.of("labels.containerd.io/gc.root", "at position 20: "
                        + "[labels.containerd.io >|/|< gc.root]: quoted literal not terminated"),
                Arguments.of("labels.\"\\g\"", "illegal escape sequence"),
                Arguments.of("labels.\"\\xaz\"", "illegal numeric escape sequence"),
                Arguments.of("labels.\"\\400\"", "unquoting failed: quote syntax error"),
                Arguments.of("labels.\"\\'\"", "illegal escape sequence"),
                // containerd quirk: inside /.../ only \/ and Go escapes are legal, not \d
                Arguments.of("name~=/\\d+/", "illegal escape sequence"),
                Arguments.of("name==a\u00a0b", "unexpected input: \u00a0"),
                Arguments.of("name==a\u2003b", "unexpected input: \u2003"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInputIsInvalidArgument(String input, String expected) {
        LayerdException e = assertInvalid(input);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void messageFormat() {
        LayerdException e = assertThrows(LayerdException.class, () -> Filters.parse("name=x"));
        assertEquals("filter \"name=x\": parse error at position 4: [name >|=|< x]: "
                + "unsupported operator \"=\"", e.getMessage());
    }

    @Test
    void positionsCountCodePoints() {
        LayerdException e = assertInvalid("name==\"\uD83D\uDE00\",?");
        assertTrue(e.getMessage().contains("at position 10: [name==\"\uD83D\uDE00\", >|?|< ]"),
                e.getMessage());
    }

    @Test
    void controlCharactersAreEscapedInMessages() {
        LayerdException e = assertThrows(LayerdException.class,
                () -> Filters.parse("name\u0000==x"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertEquals("filter \"name\\x00==x\": parse error at position 4: "
                + "[name >|\\x00|< ==x]: unexpected null", e.getMessage());
    }

    @Test
    void parseAllNamesTheBadFilter() {
        LayerdException e = assertThrows(LayerdException.class,
                () -> Filters.parseAll(List.of("name==ok", "labels.")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().startsWith("filter \"labels.\": "), e.getMessage());
    }

    static LayerdException assertInvalid(String input) {
        LayerdException e = assertThrows(LayerdException.class, () -> Filters.parse(input),
                input);
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("filter \"" + input + "\": parse error at "),
                e.getMessage());
        return e;
    }
}
