package io.layerd.core.tar;

import java.io.IOException;

/** The input is not a well-formed tar stream; the message names the entry and the problem. */
public class TarFormatException extends IOException {
    public TarFormatException(String message) {
        super(message);
    }
}
