package io.layerd.core.tar;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * ISA-L's inflate ({@code libisal.so.2}, Debian {@code libisal2}): about three times zlib's speed
 * on x86-64, which decides how fast a gzip'ed layer converts. {@link #INSTANCE} is null when the
 * library is missing, when {@code -Dlayerd.isal=false}, or when it fails a self-test that decodes a
 * small gzip stream through the {@link IsalInflateState} layout (so a library whose structure
 * differs is never used).
 */
interface IsalLibrary extends Library {
    IsalLibrary INSTANCE = load();

    void isal_inflate_init(Pointer state);

    void isal_inflate_reset(Pointer state);

    int isal_inflate(Pointer state);

    private static IsalLibrary load() {
        if (!Boolean.parseBoolean(System.getProperty("layerd.isal", "true"))) {
            return null;
        }
        IsalLibrary lib;
        try {
            lib = Native.load("libisal.so.2", IsalLibrary.class);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
        return passesSelfTest(lib) ? lib : null;
    }

    private static boolean passesSelfTest(IsalLibrary lib) {
        byte[] expected = "layerd checks ISA-L's inflate_state layout: layerd, layerd, layerd."
                .getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(expected);
        } catch (IOException e) {
            return false;
        }
        byte[] compressed = gz.toByteArray();
        // Poisoned, so a field read at the wrong offset shows up as a wrong value.
        try (Memory state = new Memory(IsalInflateState.SIZE);
             Memory in = new Memory(compressed.length);
             Memory out = new Memory(expected.length + 64)) {
            state.setMemory(0, IsalInflateState.SIZE, (byte) 0x5a);
            lib.isal_inflate_init(state);
            if (state.getInt(IsalInflateState.BLOCK_STATE) != 0 || state.getInt(IsalInflateState.CRC_FLAG) != 0) {
                return false;
            }
            state.setInt(IsalInflateState.CRC_FLAG, IsalInflateState.CRC_FLAG_GZIP);
            in.write(0, compressed, 0, compressed.length);
            state.setPointer(IsalInflateState.NEXT_IN, in);
            state.setInt(IsalInflateState.AVAIL_IN, compressed.length);
            state.setPointer(IsalInflateState.NEXT_OUT, out);
            state.setInt(IsalInflateState.AVAIL_OUT, (int) out.size());
            int rc = lib.isal_inflate(state);
            int produced = (int) out.size() - state.getInt(IsalInflateState.AVAIL_OUT);
            return rc == IsalInflateState.DECOMP_OK
                    && state.getInt(IsalInflateState.BLOCK_STATE) == IsalInflateState.BLOCK_FINISH
                    && state.getInt(IsalInflateState.AVAIL_IN) == 0
                    && produced == expected.length
                    && java.util.Arrays.equals(out.getByteArray(0, produced), expected);
        } catch (RuntimeException | Error e) {
            return false;
        }
    }
}
