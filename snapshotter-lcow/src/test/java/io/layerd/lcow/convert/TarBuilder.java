package io.layerd.lcow.convert;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes small ustar/PAX archives byte by byte, including ones no well-behaved tar would write. */
final class TarBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TarBuilder file(String name, byte[] data) {
        return entry(name, '0', data, "", 0644);
    }

    TarBuilder dir(String name) {
        return entry(name, '5', new byte[0], "", 0755);
    }

    TarBuilder hardLink(String name, String target) {
        return entry(name, '1', new byte[0], target, 0644);
    }

    TarBuilder symlink(String name, String target) {
        return entry(name, '2', new byte[0], target, 0777);
    }

    /** A PAX header setting {@code path} (for names longer than ustar's 100 bytes). */
    TarBuilder paxPath(String path) {
        byte[] kv = ("path=" + path + "\n").getBytes(StandardCharsets.UTF_8);
        int len = kv.length + 1;
        while (Integer.toString(len).length() + 1 + kv.length != len) {
            len++;
        }
        byte[] record = (len + " " + new String(kv, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        return entry("PaxHeaders/x", 'x', record, "", 0644);
    }

    TarBuilder entry(String name, char type, byte[] data, String link, int mode) {
        byte[] h = new byte[512];
        put(h, 0, 100, name.length() > 100 ? name.substring(0, 100) : name);
        put(h, 100, 8, String.format("%07o", mode));
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", data.length));
        put(h, 136, 12, String.format("%011o", 1700000000L));
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        h[262] = 0;
        put(h, 263, 2, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum));
        h[154] = 0;
        out.writeBytes(h);
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    byte[] build() {
        ByteArrayOutputStream done = new ByteArrayOutputStream();
        done.writeBytes(out.toByteArray());
        done.writeBytes(new byte[1024]);
        return done.toByteArray();
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }
}
