package io.layerd.cimfs.wclayer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A symbolic link or mount point (junction) as a Windows reparse buffer, the form a layer tar's
 * symlink entry becomes: tag (u32), data length (u16), reserved (u16), substitute-name offset
 * and length, print-name offset and length (u16 each), for a symlink a flags word (1 =
 * relative), then the NUL-terminated UTF-16LE substitute name (the NT path) and print name (the
 * target as written). Absolute targets get their NT form ({@code \??\C:\…}, {@code \??\UNC\…}),
 * exactly as Windows' own layer tools encode them.
 */
public record ReparsePoint(String target, boolean mountPoint) {
    public static final int TAG_MOUNT_POINT = 0xA0000003;
    public static final int TAG_SYMLINK = 0xA000000C;
    private static final int SYMLINK_FLAG_RELATIVE = 1;

    public byte[] encode() {
        String nt;
        boolean relative = false;
        if (target.startsWith("\\\\?\\")) {
            nt = "\\??\\" + target.substring(4);
        } else if (target.startsWith("\\\\")) {
            nt = "\\??\\UNC\\" + target.substring(2);
        } else if (target.length() >= 2 && Character.isLetter(target.charAt(0)) && target.charAt(0) < 0x80 && target.charAt(1) == ':') {
            nt = "\\??\\" + target;
        } else {
            nt = target;
            relative = true;
        }
        byte[] ntName = (nt + "\0").getBytes(StandardCharsets.UTF_16LE);
        byte[] printName = (target + "\0").getBytes(StandardCharsets.UTF_16LE);
        int dataLength = 8 + (mountPoint ? 0 : 4) + ntName.length + printName.length;
        if (dataLength > 0xFFFF - 8) {
            throw new IllegalArgumentException("link target of " + target.length() + " characters is too long for a reparse point");
        }
        ByteBuffer b = ByteBuffer.allocate(8 + dataLength).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(mountPoint ? TAG_MOUNT_POINT : TAG_SYMLINK).putShort((short) dataLength).putShort((short) 0);
        b.putShort((short) 0).putShort((short) (ntName.length - 2)).putShort((short) ntName.length).putShort((short) (printName.length - 2));
        if (!mountPoint) {
            b.putInt(relative ? SYMLINK_FLAG_RELATIVE : 0);
        }
        b.put(ntName).put(printName);
        return b.array();
    }

    /** The link a reparse buffer holds (its print name); bounds-checked. */
    public static ReparsePoint decode(byte[] buffer) {
        ByteBuffer b = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        if (buffer.length < 16) {
            throw new IllegalArgumentException("reparse buffer of " + buffer.length + " bytes is too short");
        }
        int tag = b.getInt(0);
        if (tag != TAG_SYMLINK && tag != TAG_MOUNT_POINT) {
            throw new IllegalArgumentException(String.format("reparse tag 0x%08X is not a symlink or mount point", tag));
        }
        boolean mount = tag == TAG_MOUNT_POINT;
        int pathBuffer = 16 + (mount ? 0 : 4);
        int printOffset = b.getShort(12) & 0xFFFF;
        int printLength = b.getShort(14) & 0xFFFF;
        if (pathBuffer + printOffset + printLength > buffer.length) {
            throw new IllegalArgumentException("reparse buffer: print name runs past the end");
        }
        return new ReparsePoint(new String(buffer, pathBuffer + printOffset, printLength, StandardCharsets.UTF_16LE), mount);
    }
}
