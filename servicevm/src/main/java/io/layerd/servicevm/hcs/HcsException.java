package io.layerd.servicevm.hcs;

import java.io.IOException;

/**
 * An HCS call that failed. The message names the call, the compute system, the HRESULT (hex and
 * name) and, when HCS sent one, its error document, which usually holds the useful detail
 * ({@code ErrorMessage}, {@code ErrorEvents}).
 */
public final class HcsException extends IOException {
    private final String call;
    private final int hresult;
    private final String resultDocument;

    HcsException(String call, String subject, int hresult, String resultDocument) {
        super(message(call, subject, hresult, resultDocument));
        this.call = call;
        this.hresult = hresult;
        this.resultDocument = resultDocument == null ? "" : resultDocument;
    }

    /** The HCS function that failed, e.g. {@code HcsStartComputeSystem}. */
    public String call() {
        return call;
    }

    public int hresult() {
        return hresult;
    }

    /** The error document HCS returned, or the empty string. */
    public String resultDocument() {
        return resultDocument;
    }

    private static String message(String call, String subject, int hresult, String document) {
        String text = call + " \"" + subject + "\": " + HResult.describe(hresult);
        return document == null || document.isBlank() ? text : text + ": " + document.strip();
    }
}
