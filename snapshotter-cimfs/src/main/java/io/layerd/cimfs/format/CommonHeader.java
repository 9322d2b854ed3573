package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 32 bytes every CIM file starts with: magic {@code cimfile0}, header length, file type
 * (image, region, objectid) and format version. layerd writes version 2.0, the newest whose body
 * layout is public; readers require major version 2.
 */
public record CommonHeader(int headerLength, FileType type, int major, int minor) {
    public static final int SIZE = 32;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 0;
    private static final byte[] MAGIC = "cimfile0".getBytes(StandardCharsets.US_ASCII);

    /** What a CIM file holds. */
    public enum FileType {
        IMAGE(0), REGION(1), OBJECT_ID(2);

        final int code;

        FileType(int code) {
            this.code = code;
        }

        static FileType of(int code) {
            for (FileType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new CimFormatException("unknown CIM file type " + code);
        }
    }

    public static CommonHeader current(int headerLength, FileType type) {
        return new CommonHeader(headerLength, type, VERSION_MAJOR, VERSION_MINOR);
    }

    public void write(ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.put(MAGIC).putInt(headerLength).put((byte) type.code).put((byte) 0).putShort((short) 0)
                .putInt(major).putInt(minor).putLong(0);
        out.position(out.position() + SIZE);
    }

    /** Reads and checks magic and major version; {@code what} names the file for the error. */
    public static CommonHeader read(ByteBuffer in, String what) {
        if (in.remaining() < SIZE) {
            throw new CimFormatException(what + ": " + in.remaining() + " bytes is too short for a CIM header");
        }
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        le.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CimFormatException(what + ": not a CIM file (magic " + new String(magic, StandardCharsets.ISO_8859_1) + ")");
        }
        int headerLength = le.getInt();
        int type = le.get() & 0xFF;
        le.get();
        le.getShort();
        int major = le.getInt();
        int minor = le.getInt();
        if (major != VERSION_MAJOR) {
            throw new CimFormatException(what + ": CIM format " + major + "." + minor + "; layerd reads " + VERSION_MAJOR + ".x");
        }
        in.position(in.position() + SIZE);
        return new CommonHeader(headerLength, FileType.of(type), major, minor);
    }
}
