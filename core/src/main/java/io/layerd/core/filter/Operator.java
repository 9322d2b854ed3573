package io.layerd.core.filter;

/** How a selector compares a field with its value. */
enum Operator {
    PRESENT("?"),
    EQUAL("=="),
    NOT_EQUAL("!="),
    MATCHES("~=");

    private final String symbol;

    Operator(String symbol) {
        this.symbol = symbol;
    }

    @Override
    public String toString() {
        return symbol;
    }
}
