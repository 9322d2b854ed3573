package io.layerd.servicevm.hcs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * Converts between {@link UUID} and the 16-byte Windows {@code GUID} in memory:
 *
 * <pre>
 *   offset  size  field  byte order
 *   0       4     Data1  little-endian
 *   4       2     Data2  little-endian
 *   6       2     Data3  little-endian
 *   8       8     Data4  as written in the text form (big-endian)
 * </pre>
 *
 * {@code a42e7cda-d03f-480c-9cc2-a4de20abb878} is stored as
 * {@code da 7c 2e a4 3f d0 0c 48 9c c2 a4 de 20 ab b8 78}.
 */
final class Guid {
    static final int SIZE = 4 + 2 + 2 + 8;

    private Guid() {
    }

    static byte[] toWindowsBytes(UUID uuid) {
        long high = uuid.getMostSignificantBits();
        ByteBuffer bytes = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt((int) (high >>> 32));
        bytes.putShort((short) (high >>> 16));
        bytes.putShort((short) high);
        bytes.order(ByteOrder.BIG_ENDIAN).putLong(uuid.getLeastSignificantBits());
        return bytes.array();
    }

    static UUID fromWindowsBytes(byte[] guid) {
        if (guid.length != SIZE) {
            throw new IllegalArgumentException("a GUID is " + SIZE + " bytes, got " + guid.length);
        }
        ByteBuffer bytes = ByteBuffer.wrap(guid).order(ByteOrder.LITTLE_ENDIAN);
        long data1 = Integer.toUnsignedLong(bytes.getInt());
        long data2 = Short.toUnsignedLong(bytes.getShort());
        long data3 = Short.toUnsignedLong(bytes.getShort());
        long data4 = bytes.order(ByteOrder.BIG_ENDIAN).getLong();
        return new UUID(data1 << 32 | data2 << 16 | data3, data4);
    }
}
