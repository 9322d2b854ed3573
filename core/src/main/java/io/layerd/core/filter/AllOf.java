package io.layerd.core.filter;

import java.util.List;

/** The selectors of one filter string: every one must hold. */
record AllOf(List<Filter> filters) implements Filter {

    AllOf {
        filters = List.copyOf(filters);
    }

    @Override
    public boolean matches(FieldAdaptor adaptor) {
        for (Filter f : filters) {
            if (!f.matches(adaptor)) {
                return false;
            }
        }
        return true;
    }
}
