package io.layerd.tests.image;

import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.Commands;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A realistic root filesystem image from files already on this machine (no network): GNU tar of
 * real system directories — thousands of small files, shared libraries, symlinks, hard links —
 * in two layers, the second adding to the first.
 */
public final class RealisticImage {
    /** Small enough for the test suite; the benchmark passes bigger trees. */
    public static final List<String> BASE = List.of("etc", "usr/sbin", "usr/share/zoneinfo", "usr/lib/python3.11");
    public static final List<String> TOP = List.of("usr/share/perl", "usr/share/perl5", "usr/lib/python3");

    private RealisticImage() {
    }

    public static OciImageBuilder.Image build(String name, List<String> base, List<String> top, Path work, Path archive)
            throws IOException {
        OciImageBuilder builder = new OciImageBuilder(name);
        int n = 0;
        for (List<String> dirs : List.of(base, top)) {
            Path tar = work.resolve("layer" + n + ".tar");
            List<String> cmd = new ArrayList<>(List.of("tar", "--format=posix", "--xattrs", "--numeric-owner", "-C", "/", "-cf",
                    tar.toString()));
            for (String d : dirs) {
                if (Files.exists(Path.of("/", d))) {
                    cmd.add(d);
                }
            }
            CommandResult r = Commands.run(Duration.ofMinutes(10), cmd);
            if (r.exitCode() > 1) { // 1: a file changed while being read, harmless here
                throw new IOException("tar of " + dirs + " failed: " + r.describe());
            }
            builder.layerFromTar(tar, work.resolve("layer" + n + ".tar.gz"));
            Files.delete(tar);
            n++;
        }
        return builder.writeArchive(archive);
    }
}
