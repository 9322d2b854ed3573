package io.layerd.core.filter;

import io.layerd.core.errors.LayerdException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Entry point for containerd's filter syntax, e.g. {@code kind==active,labels."a/b"~=^x}.
 *
 * <pre>
 * selectors := selector ("," selector)*
 * selector  := fieldpath [operator value]
 * fieldpath := field ("." field)*
 * field     := quoted | [A-Za-z0-9_-]+
 * operator  := "==" | "!=" | "~="
 * value     := quoted | [^\s,"/|.=!~][^\s,]*
 * quoted    := "..." with Go escapes; after "~=" also /.../ and |...|
 * </pre>
 *
 * <p>Whitespace may precede a field, operator or value, but not a comma or the end of the string.
 *
 * <p>Syntax errors are reported as {@link LayerdException} of kind INVALID_ARGUMENT.
 */
public final class Filters {

    private Filters() {
    }

    /** Parses one filter string; all of its selectors must match. The empty string matches all. */
    public static Filter parse(String filter) {
        Objects.requireNonNull(filter, "filter");
        if (filter.isEmpty()) {
            return Filter.ALWAYS;
        }
        return new Parser(filter).parse();
    }

    /**
     * Parses the filter strings of a List/Walk request: an object matches if any of them matches.
     * No strings at all means no restriction.
     */
    public static Filter parseAll(List<String> filters) {
        if (filters == null || filters.isEmpty()) {
            return Filter.ALWAYS;
        }
        List<Filter> parsed = new ArrayList<>(filters.size());
        for (String f : filters) {
            parsed.add(parse(f));
        }
        return new AnyOf(parsed);
    }
}
