package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The recorder library (src/test/c/cimfs_recorder.c), compiled with gcc once per test JVM into
 * target/native-test, standing in for cimfs.dll, cimwriter.dll, offreg.dll, ntdll and advapi32.
 * Each test gets a fresh log; {@link #calls()} parses what the library received. Without gcc the
 * tests fail (scripts/test.sh installs it): skipping would hide that nothing was checked.
 */
final class NativeRecorder {
    /** The recorder's own control functions (plain C strings: they are ASCII). */
    interface Control extends Library {
        void recorder_reset();

        int recorder_set_log(String path);

        int recorder_next_result(String function, int value);

        void recorder_set_version(int build, int revision);

        void recorder_set_create_delay(int microseconds);

        int recorder_sizeof_file_metadata();

        int recorder_sizeof_image_path();

        int recorder_sizeof_guid();
    }

    private static Path library;

    private final Control control;
    private final Path log;

    private NativeRecorder(Control control, Path log) {
        this.control = control;
        this.log = log;
    }

    /** Compiles the library if this JVM has not yet; returns its path. */
    static synchronized Path library() {
        if (library == null) {
            library = compile();
        }
        return library;
    }

    private static Path compile() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path source = module.resolve("src/test/c/cimfs_recorder.c");
        Path out = module.resolve("target/native-test/libcimfs_recorder.so");
        assertTrue(Files.isRegularFile(source), "missing " + source);
        try {
            Files.createDirectories(out.getParent());
            Path temp = Files.createTempFile(out.getParent(), "libcimfs_recorder", ".so");
            Process gcc;
            try {
                gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-fvisibility=hidden", "-pthread",
                        "-o", temp.toString(), source.toString()).redirectErrorStream(true).start();
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw new AssertionError("gcc is needed to build the CimFS recorder library these tests load in place of "
                        + "cimfs.dll (scripts/test.sh installs gcc and libc6-dev): " + e.getMessage(), e);
            }
            String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
                Files.deleteIfExists(temp);
                fail("gcc could not build " + source + ":\n" + output);
            }
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Resets the library's state and records into {@code dir}/recorder.log from now on. */
    static NativeRecorder start(Path dir) {
        Control control = Native.load(library().toString(), Control.class);
        control.recorder_reset();
        Path log = dir.resolve("recorder.log");
        assertEquals(0, control.recorder_set_log(log.toString()), "open " + log);
        return new NativeRecorder(control, log);
    }

    /** The CimFS functions bound to the recorder: it is both cimfs.dll and cimwriter.dll. */
    static CimFsLibraries libraries() throws IOException {
        return CimFsLibraries.load(library().toString(), library().toString());
    }

    static <T extends Library> T bind(Class<T> api) {
        return NativeLibraries.load(library().toString(), api);
    }

    Control control() {
        return control;
    }

    /** The next call of {@code function} returns {@code value}. */
    void nextResult(String function, int value) {
        assertEquals(0, control.recorder_next_result(function, value));
    }

    /** Every call recorded since {@link #start}, in order. */
    List<Call> calls() {
        try {
            if (!Files.exists(log)) {
                return List.of();
            }
            List<Call> calls = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.US_ASCII)) {
                calls.add(Call.parse(line));
            }
            return calls;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> functions() {
        return calls().stream().map(Call::function).toList();
    }

    /** The only call of {@code function}. */
    Call only(String function) {
        List<Call> matching = calls().stream().filter(c -> c.function().equals(function)).toList();
        assertEquals(1, matching.size(), function + " calls in " + functions());
        return matching.get(0);
    }

    List<Call> all(String function) {
        return calls().stream().filter(c -> c.function().equals(function)).toList();
    }

    /** One recorded call: function name and its key=value pairs, as written by the library. */
    record Call(String function, Map<String, String> values) {
        static Call parse(String line) {
            String[] parts = line.split(" ");
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                values.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
            return new Call(parts[0], values);
        }

        String raw(String key) {
            String v = values.get(key);
            if (v == null) {
                throw new AssertionError(function + " recorded no " + key + ": " + values);
            }
            return v;
        }

        boolean isNull(String key) {
            return raw(key).equals("NULL");
        }

        /** A string argument as the library decoded it; null for a NULL pointer. */
        String string(String key) {
            String v = raw(key);
            if (v.equals("NULL")) {
                return null;
            }
            assertTrue(v.startsWith("s:"), key + " is not a string: " + v);
            return unescape(v.substring(2));
        }

        long number(String key) {
            String v = raw(key);
            return v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
        }

        /** A pointer or handle value; 0 for NULL. */
        long pointer(String key) {
            return isNull(key) ? 0 : number(key);
        }

        byte[] bytes(String key) {
            String v = raw(key);
            assertTrue(v.startsWith("x:"), key + " is not a buffer: " + v);
            return HexFormat.of().parseHex(v.substring(2));
        }

        int result() {
            return (int) number("result");
        }

        private static String unescape(String s) {
            StringBuilder text = new StringBuilder();
            ByteArrayOutputStream utf8 = new ByteArrayOutputStream();
            for (int i = 0; i < s.length(); ) {
                char c = s.charAt(i);
                if (c == '%' && s.charAt(i + 1) == 'u') {
                    text.append(utf8.toString(StandardCharsets.UTF_8));
                    utf8.reset();
                    text.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                    i += 6;
                } else if (c == '%') {
                    utf8.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 3;
                } else {
                    utf8.write(c);
                    i++;
                }
            }
            return text.append(utf8.toString(StandardCharsets.UTF_8)).toString();
        }
    }

    static long value(Pointer p) {
        return Pointer.nativeValue(p);
    }

    /** FNV-1a, 64 bit, as the recorder hashes written buffers. */
    static long fnv1a(byte[] b, int off, int len) {
        long h = 0xcbf29ce484222325L;
        for (int i = off; i < off + len; i++) {
            h ^= b[i] & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
