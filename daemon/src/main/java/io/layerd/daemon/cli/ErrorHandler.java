package io.layerd.daemon.cli;

import io.grpc.StatusRuntimeException;
import io.layerd.core.errors.LayerdException;
import picocli.CommandLine;

/** Prints failures as one line a person can act on, not a stack trace; exit code 1. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println("layerd: " + message(e));
        return 1;
    }

    /** The one line shown for a failed command. */
    static String message(Exception e) {
        String message;
        if (e instanceof LayerdException le) {
            message = le.getMessage();
        } else if (e instanceof StatusRuntimeException se) {
            message = se.getStatus().getCode() + ": " + se.getStatus().getDescription();
            if (se.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE && !String.valueOf(se.getStatus().getDescription()).contains("service VM")) {
                message += " (is the daemon running? start it with `layerd serve` or pass --address)";
            }
        } else if (e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
            message = e.getMessage(); // format errors name the entry and the problem
        } else {
            message = e.toString();
        }
        return message;
    }
}
