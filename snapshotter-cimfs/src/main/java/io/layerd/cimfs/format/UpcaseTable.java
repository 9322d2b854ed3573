package io.layerd.cimfs.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Comparator;

/**
 * The table a CIM stores for case-insensitive names: one upper-case UTF-16 unit for each of the
 * 0x10000 BMP units. Names are compared, and directory link tables sorted, through the table the
 * image itself holds, so an image is consistent whatever table it was written with. layerd's table
 * is the JDK's one-to-one upper-casing ({@link Character#toUpperCase(char)}; surrogates and
 * characters without a single-unit upper case map to themselves) — not necessarily NTFS's
 * {@code $UpCase}, which cimfs.dll presumably stores (not established).
 */
public final class UpcaseTable {
    public static final int ENTRIES = 0x10000;
    public static final int BYTES = ENTRIES * 2;

    private final char[] upper;

    private UpcaseTable(char[] upper) {
        this.upper = upper;
    }

    /** layerd's table (see the class comment). */
    public static UpcaseTable standard() {
        char[] t = new char[ENTRIES];
        for (int c = 0; c < ENTRIES; c++) {
            char u = Character.toUpperCase((char) c);
            t[c] = Character.isSurrogate((char) c) ? (char) c : u;
        }
        return new UpcaseTable(t);
    }

    public static UpcaseTable read(ByteBuffer in) {
        ByteBuffer le = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (le.remaining() < BYTES) {
            throw new CimFormatException("the upcase table is " + le.remaining() + " bytes; it must be " + BYTES);
        }
        char[] t = new char[ENTRIES];
        le.asCharBuffer().get(t);
        in.position(in.position() + BYTES);
        return new UpcaseTable(t);
    }

    public void write(ByteBuffer out) {
        ByteBuffer le = out.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.asCharBuffer().put(upper);
        out.position(out.position() + BYTES);
    }

    public char upper(char c) {
        return upper[c];
    }

    /**
     * The order of names in a link table: code point by code point, BMP characters through the
     * table, supplementary characters by value; a proper prefix first. 0 means the same name.
     */
    public int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            int ka = ca <= 0xFFFF ? upper[ca] : ca;
            int kb = cb <= 0xFFFF ? upper[cb] : cb;
            if (ka != kb) {
                return Integer.compare(ka, kb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    public Comparator<String> order() {
        return this::compare;
    }
}
