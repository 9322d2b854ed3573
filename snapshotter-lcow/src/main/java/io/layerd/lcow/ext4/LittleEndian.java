package io.layerd.lcow.ext4;

/**
 * Little-endian stores into byte arrays, for the structures written once per inode. Plain
 * shifts rather than ByteBuffer puts: each buffer put is a chain of bounds, scope and memory
 * access calls that a just-started JVM interprets for the first thousands of inodes, which made
 * the inode and extent-header writing a visible part of converting a small layer.
 */
final class LittleEndian {
    private LittleEndian() {
    }

    static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
