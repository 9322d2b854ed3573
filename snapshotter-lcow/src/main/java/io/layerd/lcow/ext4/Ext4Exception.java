package io.layerd.lcow.ext4;

import java.io.IOException;

/** Input the ext4 writer cannot represent, named by the entry it came with. */
public class Ext4Exception extends IOException {
    public Ext4Exception(String message) {
        super(message);
    }
}
