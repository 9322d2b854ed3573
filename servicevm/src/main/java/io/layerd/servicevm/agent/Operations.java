package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Request;

import java.util.EnumMap;
import java.util.Map;

/** Which {@link Operation} serves which kind of request. */
public final class Operations {
    private final Map<Request.OpCase, Operation> byCase = new EnumMap<>(Request.OpCase.class);

    public Operations register(Request.OpCase opCase, Operation operation) {
        byCase.put(opCase, operation);
        return this;
    }

    /** Null when the request kind is not served. */
    public Operation forCase(Request.OpCase opCase) {
        return byCase.get(opCase);
    }
}
