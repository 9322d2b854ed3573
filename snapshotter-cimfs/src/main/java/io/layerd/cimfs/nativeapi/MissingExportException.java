package io.layerd.cimfs.nativeapi;

/**
 * The loaded DLL does not export a function the code called: an older Windows build whose
 * cimfs.dll predates it (block CIMs, merges, verification arrived later than the 19041 API set).
 * Unchecked, because it means "not supported on this host" rather than an I/O failure, and it
 * is raised lazily at the call, as hcsshim's lazily resolved procs do, so that loading the DLL
 * never fails for a function the caller may never use.
 */
public final class MissingExportException extends UnsupportedOperationException {
    private final String function;
    private final String library;

    public MissingExportException(String function, String library, Throwable cause) {
        super(function + " is not exported by " + library + " (this Windows build does not have it)", cause);
        this.function = function;
        this.library = library;
    }

    public String function() {
        return function;
    }

    public String library() {
        return library;
    }
}
