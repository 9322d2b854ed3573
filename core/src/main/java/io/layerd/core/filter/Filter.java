package io.layerd.core.filter;

/** A parsed filter expression, evaluated against one object through its {@link FieldAdaptor}. */
public interface Filter {

    boolean matches(FieldAdaptor adaptor);

    /** What an empty filter (or an empty list of filters) means: no restriction. */
    Filter ALWAYS = a -> true;
}
