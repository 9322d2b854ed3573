package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.Error;

/** A failed request, as the host will see it: an errno code and a message for a person. */
public final class AgentException extends Exception {
    private final Errno errno;

    public AgentException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public AgentException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }

    public Error toProto() {
        return Error.newBuilder().setCode(errno.name()).setErrno(errno.number()).setMessage(getMessage()).build();
    }
}
