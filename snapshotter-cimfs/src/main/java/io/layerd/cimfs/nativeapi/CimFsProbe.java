package io.layerd.cimfs.nativeapi;

import com.sun.jna.Platform;

import java.io.IOException;
import java.util.function.Predicate;

/**
 * Whether this host can use CimFS, found out at run time: off Windows simply "no" with the
 * reason; on Windows the {@link CimFsSupport} gates over the real build, revision and DLLs.
 */
public final class CimFsProbe {
    private CimFsProbe() {
    }

    /** The answer; {@code host} is null when there was no Windows host to describe. */
    public record Result(boolean supported, String reason, CimFsSupport host) {
    }

    /** Version reading, replaceable so that the Windows branch can be exercised anywhere. */
    public interface VersionSource {
        WindowsVersion read() throws IOException;
    }

    public static Result probe() {
        return probe(Platform.isWindows(), System.getProperty("os.name"), WindowsVersion::read, NativeLibraries::loads);
    }

    /** {@code loads} answers for a DLL path whether it loads. */
    public static Result probe(boolean windows, String osName, VersionSource version, Predicate<String> loads) {
        if (!windows) {
            return new Result(false, "CimFS needs Windows; this host runs " + osName, null);
        }
        WindowsVersion v;
        try {
            v = version.read();
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            return new Result(false, "cannot read the Windows version: " + e.getMessage(), null);
        }
        CimFsSupport host = new CimFsSupport(v.build(), v.revision(), loads.test(CimFsLibraries.systemDll("cimfs.dll")),
                loads.test(CimFsLibraries.systemDll("cimwriter.dll")));
        return new Result(host.cimFs(), host.reason(), host);
    }
}
