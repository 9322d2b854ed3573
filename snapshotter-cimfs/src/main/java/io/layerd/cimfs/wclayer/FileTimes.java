package io.layerd.cimfs.wclayer;

import java.math.BigDecimal;
import java.time.Instant;

/** Windows FILETIME values (100 ns intervals since 1601-01-01 UTC) and the tar forms they come from. */
public final class FileTimes {
    /** 100 ns intervals between 1601-01-01 and 1970-01-01. */
    private static final long EPOCH_OFFSET = 116_444_736_000_000_000L;

    private FileTimes() {
    }

    public static long of(Instant t) {
        return Math.addExact(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 10_000_000L), t.getNano() / 100), EPOCH_OFFSET);
    }

    public static Instant toInstant(long filetime) {
        long since1970 = filetime - EPOCH_OFFSET;
        return Instant.ofEpochSecond(Math.floorDiv(since1970, 10_000_000L), Math.floorMod(since1970, 10_000_000L) * 100);
    }

    /** A PAX time value ("seconds[.fraction]", possibly negative), as {@code LIBARCHIVE.creationtime} holds. */
    public static Instant parsePax(String value) {
        String v = value.trim();
        // Plain decimals only: an exponent ("1e100000000") would make BigDecimal work for minutes.
        if (v.length() > 40 || !v.matches("-?[0-9]+(\\.[0-9]*)?")) {
            throw new NumberFormatException("not a decimal number of seconds: " + value);
        }
        BigDecimal d = new BigDecimal(v);
        BigDecimal seconds = d.setScale(0, java.math.RoundingMode.FLOOR);
        int nanos = d.subtract(seconds).movePointRight(9).setScale(0, java.math.RoundingMode.DOWN).intValueExact();
        return Instant.ofEpochSecond(seconds.longValueExact(), nanos);
    }
}
