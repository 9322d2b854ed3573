package io.layerd.differ;

import io.layerd.core.errors.LayerdException;
import io.layerd.core.tar.TarFormatException;

import java.io.EOFException;
import java.io.IOException;
import java.util.function.Function;
import java.util.zip.ZipException;

/**
 * The error a failed Apply reports, found in the cause chain its read-ahead stages build. What every
 * layer format shares lives here: bytes that are not the named blob (FailedPrecondition, checked
 * first because it explains any broken tar), a malformed tar or compression (InvalidArgument), a
 * full disk (FailedPrecondition), anything else (Internal). Each applier adds its own format's
 * failures through {@code formatFailure}, which returns null for a cause it does not know.
 */
public final class ApplyFailures {
    private ApplyFailures() {
    }

    public static LayerdException classify(String digest, IOException failure, String layerKind,
                                           Function<Throwable, LayerdException> formatFailure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof VerifyingBlobInput.BlobMismatchException) {
                return LayerdException.failedPrecondition("%s", t.getMessage());
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof LayerdException e) {
                return e;
            }
            LayerdException specific = formatFailure.apply(t);
            if (specific != null) {
                return specific;
            }
            if (isMalformedInput(t)) {
                return LayerdException.invalidArgument("layer %s: not a valid %s: %s", digest, layerKind, failure.getMessage());
            }
            if (String.valueOf(t.getMessage()).contains("No space left on device")) {
                return LayerdException.failedPrecondition("layer %s: no space left on device: %s", digest, failure.getMessage());
            }
        }
        return LayerdException.internal("layer " + digest + ": " + failure.getMessage(), failure);
    }

    /** A tar or compressed stream that cannot be read as one. */
    private static boolean isMalformedInput(Throwable t) {
        return t instanceof TarFormatException || t instanceof ZipException || t instanceof EOFException
                || t.getClass().getName().startsWith("com.github.luben.zstd.");
    }
}
