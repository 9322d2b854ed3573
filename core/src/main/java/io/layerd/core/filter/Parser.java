package io.layerd.core.filter;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.filter.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Recursive-descent parser for one non-empty filter string, following containerd's parser so
 * that the same strings are accepted and rejected. Like containerd it decides between a bare
 * selector and an operator by peeking at the raw next character, which is why whitespace is
 * allowed around operators and after commas but not before a comma or at the end.
 */
final class Parser {

    private final String input;
    private final Scanner scanner;

    Parser(String input) {
        this.input = input;
        this.scanner = new Scanner(input);
    }

    Filter parse() {
        List<Filter> selectors = new ArrayList<>();
        selectors.add(selector());
        while (true) {
            int ch = scanner.peek();
            if (ch == Scanner.EOF) {
                return new AllOf(selectors);
            }
            if (ch != ',') {
                String what = ch == Scanner.ILLEGAL ? scanner.err() : Character.toString(ch);
                throw error(scanner.offset(), "unexpected input: " + what);
            }
            scanner.scan();
            selectors.add(selector());
        }
    }

    private Selector selector() {
        List<String> fieldPath = fieldPath();
        int ch = scanner.peek();
        if (ch == ',' || ch == Scanner.EOF) {
            return Selector.present(fieldPath);
        }
        Operator op = operator();
        Token value = value(op == Operator.MATCHES);
        Pattern regex = op == Operator.MATCHES ? compile(value) : null;
        return new Selector(fieldPath, op, value.text(), regex);
    }

    private List<String> fieldPath() {
        List<String> path = new ArrayList<>();
        path.add(field());
        while (scanner.peek() == '.') {
            scanner.scan();
            path.add(field());
        }
        return path;
    }

    private String field() {
        Token t = scanner.scan();
        return switch (t.kind()) {
            case FIELD -> t.text();
            case QUOTED -> unquote(t, false);
            case ILLEGAL -> throw error(t.pos(), scanner.err());
            default -> throw error(t.pos(), "expected field or quoted");
        };
    }

    private Operator operator() {
        Token t = scanner.scan();
        if (t.kind() == Kind.ILLEGAL) {
            throw error(t.pos(), scanner.err());
        }
        if (t.kind() != Kind.OPERATOR) {
            throw error(t.pos(), "expected an operator (\"==\"|\"!=\"|\"~=\")");
        }
        return switch (t.text()) {
            case "==" -> Operator.EQUAL;
            case "!=" -> Operator.NOT_EQUAL;
            case "~=" -> Operator.MATCHES;
            default -> throw error(t.pos(), "unsupported operator \"" + t.text() + "\"");
        };
    }

    /** Returns the value token with its text already unquoted. */
    private Token value(boolean regexQuotes) {
        Token t = scanner.scan();
        return switch (t.kind()) {
            case VALUE -> t;
            case QUOTED -> new Token(Kind.VALUE, t.pos(), unquote(t, regexQuotes));
            case ILLEGAL -> throw error(t.pos(), scanner.err());
            default -> throw error(t.pos(), "expected value or quoted");
        };
    }

    /** {@code /.../} and {@code |...|} exist only for regular expressions. */
    private String unquote(Token t, boolean regexQuotes) {
        if (!regexQuotes && t.text().charAt(0) != '"') {
            throw error(t.pos(), "invalid quote encountered");
        }
        return Unquoter.unquote(t.text())
                .orElseThrow(() -> error(t.pos(), "unquoting failed: quote syntax error"));
    }

    /** containerd compiles when matching and silently matches nothing; failing early is kinder. */
    private Pattern compile(Token value) {
        try {
            return Regexes.compile(value.text());
        } catch (PatternSyntaxException e) {
            throw error(value.pos(), "invalid regular expression: " + e.getDescription());
        }
    }

    private LayerdException error(int pos, String message) {
        return ParseErrors.at(input, pos, message);
    }
}
