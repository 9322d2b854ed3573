package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;

/** One kind of bridge request. */
@FunctionalInterface
public interface Operation {
    /** The successful response; failures are thrown. Interrupted when cancelled or timed out. */
    Response run(Request request, RequestContext context) throws Exception;
}
