package io.layerd.cimfs.format;

/** A CIM whose bytes do not follow the format: a bad magic, version, offset or table. */
public final class CimFormatException extends RuntimeException {
    public CimFormatException(String message) {
        super(message);
    }
}
