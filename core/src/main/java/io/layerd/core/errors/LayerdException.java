package io.layerd.core.errors;

/**
 * The one exception family of layerd. The {@link ErrorKind} says what kind of failure it is; the
 * message is written for a person and names the object, e.g. {@code snapshot "k": not found}.
 */
public class LayerdException extends RuntimeException {
    private final ErrorKind kind;

    public LayerdException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public LayerdException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static LayerdException notFound(String format, Object... args) {
        return new LayerdException(ErrorKind.NOT_FOUND, String.format(format, args));
    }

    public static LayerdException alreadyExists(String format, Object... args) {
        return new LayerdException(ErrorKind.ALREADY_EXISTS, String.format(format, args));
    }

    public static LayerdException failedPrecondition(String format, Object... args) {
        return new LayerdException(ErrorKind.FAILED_PRECONDITION, String.format(format, args));
    }

    public static LayerdException invalidArgument(String format, Object... args) {
        return new LayerdException(ErrorKind.INVALID_ARGUMENT, String.format(format, args));
    }

    public static LayerdException notImplemented(String format, Object... args) {
        return new LayerdException(ErrorKind.NOT_IMPLEMENTED, String.format(format, args));
    }

    public static LayerdException unavailable(String format, Object... args) {
        return new LayerdException(ErrorKind.UNAVAILABLE, String.format(format, args));
    }

    public static LayerdException internal(String message, Throwable cause) {
        return new LayerdException(ErrorKind.INTERNAL, message, cause);
    }
}
