package io.layerd.core.filter;

import java.util.regex.Pattern;

/**
 * Compiles the value of a {@code ~=} selector. containerd uses Go's RE2 engine with unanchored
 * matching ({@code MatchString}); {@link java.util.regex.Matcher#find()} is the equivalent.
 *
 * <p>Known differences that remain between RE2 and java.util.regex:
 * <ul>
 *   <li>Java accepts backreferences, lookaround and possessive quantifiers, which RE2 rejects.
 *   <li>Java rejects RE2's {@code (?P<name>...)} group syntax and treats {@code [[:alpha:]]} as an
 *       ordinary character class instead of a POSIX class.
 *   <li>Without {@code (?m)}, RE2's {@code $} matches only at the very end of the input; Java's
 *       also matches before a final line terminator.
 *   <li>{@code \s} in Java includes vertical tab; in RE2 it does not.
 * </ul>
 * UNIX_LINES narrows {@code .} and {@code $} to treat only {@code \n} as a line end, as RE2 does.
 */
final class Regexes {

    private Regexes() {
    }

    /** @throws java.util.regex.PatternSyntaxException if {@code regex} is not a valid pattern */
    static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNIX_LINES);
    }
}
