package io.layerd.core.filter;

import java.util.List;

/** The filter strings of a request: the API documents them as alternatives. */
record AnyOf(List<Filter> filters) implements Filter {

    AnyOf {
        filters = List.copyOf(filters);
    }

    @Override
    public boolean matches(FieldAdaptor adaptor) {
        for (Filter f : filters) {
            if (f.matches(adaptor)) {
                return true;
            }
        }
        return false;
    }
}
