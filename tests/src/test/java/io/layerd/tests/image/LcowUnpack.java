package io.layerd.tests.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.layerd.daemon.image.ChainIds;
import io.layerd.tests.CliRun;
import io.layerd.tests.containerd.CommandResult;
import io.layerd.tests.containerd.ContainerdFixture;

import java.nio.file.Path;
import java.util.List;

/** An OCI archive imported into the fixture's containerd and unpacked into LCOW layers by {@code layerd image unpack}. */
public final class LcowUnpack {
    private LcowUnpack() {
    }

    /** Imports and unpacks {@code image}; returns its chain ids, base first. */
    public static List<String> importAndUnpack(ContainerdFixture containerd, Path archive, OciImageBuilder.Image image) {
        containerd.step("ctr image import --no-unpack");
        CommandResult imported = containerd.ctr("image", "import", "--no-unpack", archive.toString());
        assertTrue(imported.ok(), imported.describe());

        containerd.step("layerd image unpack");
        CliRun unpack = unpack(containerd, image.name());
        assertEquals(0, unpack.exit(), unpack.text());
        assertTrue(unpack.out().contains(image.diffIds().size() + " layer(s) applied"), unpack.text());
        return ChainIds.of(image.diffIds());
    }

    static CliRun unpack(ContainerdFixture containerd, String imageName) {
        return CliRun.of("image", "unpack", "--containerd", containerd.containerdSocket().toString(), "--address",
                containerd.layerdSocket().toString(), imageName);
    }
}
