package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A CIM link table — a directory's entries (values: u32 file ids) or a file's alternate streams
 * (values: 16-byte streams): {@code Length u32, LinkCount u32}, the values, one u32 name offset
 * per entry (from the table's start), then the names ({@code u16} length in UTF-16 units, UTF-16LE).
 * Entries are sorted in {@link UpcaseTable#compare} order so lookups are a binary search; two names
 * equal after upper-casing cannot both be stored.
 */
public final class LinkTable {
    private static final int HEADER = 8;

    private final List<String> names;
    private final List<byte[]> values;

    private LinkTable(List<String> names, List<byte[]> values) {
        this.names = names;
        this.values = values;
    }

    /** Encodes {@code entries} (any order: they are sorted here), each value exactly {@code valueSize} bytes. */
    public static byte[] encode(Map<String, byte[]> entries, int valueSize, UpcaseTable upcase) {
        List<String> sorted = new ArrayList<>(entries.keySet());
        sorted.sort(upcase.order());
        int namesBytes = 0;
        for (int i = 0; i < sorted.size(); i++) {
            String name = sorted.get(i);
            if (name.isEmpty() || name.length() > 0xFF) {
                throw new IllegalArgumentException("a name must have 1 to 255 UTF-16 units: \"" + name + "\"");
            }
            if (i > 0 && upcase.compare(sorted.get(i - 1), name) == 0) {
                throw new IllegalArgumentException("\"" + sorted.get(i - 1) + "\" and \"" + name
                        + "\" differ only in case; a CIM directory holds one of them");
            }
            namesBytes += 2 + 2 * name.length();
        }
        int n = sorted.size();
        int length = HEADER + n * (valueSize + 4) + namesBytes;
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(length).putInt(n);
        for (String name : sorted) {
            byte[] v = entries.get(name);
            if (v.length != valueSize) {
                throw new IllegalArgumentException("value of \"" + name + "\" is " + v.length + " bytes, not " + valueSize);
            }
            out.put(v);
        }
        int nameAt = HEADER + n * (valueSize + 4);
        for (String name : sorted) {
            out.putInt(nameAt);
            nameAt += 2 + 2 * name.length();
        }
        for (String name : sorted) {
            out.putShort((short) name.length()).put(name.getBytes(StandardCharsets.UTF_16LE));
        }
        return out.array();
    }

    /** Reads the table at the start of {@code in} (at most {@code in.remaining()} bytes), checking every bound. */
    public static LinkTable decode(ByteBuffer in, int valueSize) {
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER) {
            throw new CimFormatException("link table of " + b.remaining() + " bytes is shorter than its header");
        }
        long length = b.getInt(0) & 0xFFFFFFFFL;
        long count = b.getInt(4) & 0xFFFFFFFFL;
        if (length < HEADER || length > b.remaining()) {
            throw new CimFormatException("link table length " + length + " is outside 8.." + b.remaining());
        }
        if (HEADER + count * (valueSize + 4) > length) {
            throw new CimFormatException("link table of " + length + " bytes cannot hold " + count + " entries");
        }
        int n = (int) count;
        List<String> names = new ArrayList<>(n);
        List<byte[]> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] v = new byte[valueSize];
            b.get(HEADER + i * valueSize, v);
            values.add(v);
            long at = b.getInt(HEADER + n * valueSize + 4 * i) & 0xFFFFFFFFL;
            if (at + 2 > length) {
                throw new CimFormatException("link table name " + i + " at " + at + " is outside the table (" + length + " bytes)");
            }
            int units = b.getShort((int) at) & 0xFFFF;
            if (at + 2 + 2L * units > length) {
                throw new CimFormatException("link table name " + i + " (" + units + " units) runs past the table");
            }
            byte[] utf16 = new byte[2 * units];
            b.get((int) at + 2, utf16);
            names.add(new String(utf16, StandardCharsets.UTF_16LE));
        }
        return new LinkTable(Collections.unmodifiableList(names), Collections.unmodifiableList(values));
    }

    public int size() {
        return names.size();
    }

    public String name(int i) {
        return names.get(i);
    }

    public byte[] value(int i) {
        return values.get(i).clone();
    }

    /** The index of {@code name} by binary search in {@code upcase} order, or -1. */
    public int find(String name, UpcaseTable upcase) {
        int lo = 0;
        int hi = names.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = upcase.compare(names.get(mid), name);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }
}
