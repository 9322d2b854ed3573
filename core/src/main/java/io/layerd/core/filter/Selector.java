package io.layerd.core.filter;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** One {@code fieldpath[op value]} term of a filter string. */
record Selector(List<String> fieldPath, Operator operator, String value, Pattern regex)
        implements Filter {

    Selector {
        fieldPath = List.copyOf(fieldPath);
    }

    static Selector present(List<String> fieldPath) {
        return new Selector(fieldPath, Operator.PRESENT, "", null);
    }

    @Override
    public boolean matches(FieldAdaptor adaptor) {
        Optional<String> field = adaptor.field(fieldPath);
        // containerd compares "!=" and "~=" against the zero value of an absent field, so
        // "labels.x!=y" selects objects without label x, and "parent!=\"\"" does not.
        String actual = field.orElse("");
        return switch (operator) {
            case PRESENT -> field.isPresent();
            case EQUAL -> field.isPresent() && actual.equals(value);
            case NOT_EQUAL -> !actual.equals(value);
            case MATCHES -> regex.matcher(actual).find();
        };
    }
}
