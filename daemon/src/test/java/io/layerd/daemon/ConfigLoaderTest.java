package io.layerd.daemon;

import io.layerd.core.errors.ErrorKind;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.plugin.PluginConfig;
import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.config.DaemonConfig;
import io.layerd.daemon.config.DefaultConfigText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    static final Path ROOT = Path.of("/srv/layerd");

    @Test
    void noFileMeansLcowAndCimfsUnderTheRoot() {
        DaemonConfig c = ConfigLoader.parse("", ROOT, "test");
        assertEquals(ROOT, c.root());
        assertEquals(ROOT.resolve("layerd.sock"), c.address());
        assertEquals(List.of(
                new PluginConfig("lcow", "lcow", ROOT.resolve("snapshotters/lcow"), Map.of()),
                new PluginConfig("cimfs", "cimfs", ROOT.resolve("snapshotters/cimfs"), Map.of())), c.plugins());
    }

    @Test
    void thePrintedDefaultConfigIsValidAndEqualsTheBuiltInDefaults() {
        String text = DefaultConfigText.render(ROOT);
        assertTrue(text.contains("# "), "it is commented");
        assertEquals(ConfigLoader.parse("", ROOT, "built-in"), ConfigLoader.parse(text, Path.of("/elsewhere"), "printed"));
    }

    @Test
    void sectionsDefineInstancesWithOptions() {
        DaemonConfig c = ConfigLoader.parse("""
                root = "/data"
                [grpc]
                address = "/run/layerd.sock"
                [plugins.fast]
                type = "lcow"
                root = "/ssd/fast"
                verity = true
                """, ROOT, "test");
        assertEquals(Path.of("/data"), c.root());
        assertEquals(Path.of("/run/layerd.sock"), c.address());
        assertEquals(List.of(new PluginConfig("fast", "lcow", Path.of("/ssd/fast"), Map.of("verity", true))), c.plugins());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown top-level key | rooot = \"/x\" | rooot",
            "unknown grpc key | [grpc]\\naddres = \"/x\" | grpc.addres",
            "relative root | root = \"data\" | absolute",
            "plugin without type | [plugins.x]\\nroot = \"/x\" | plugins.x",
            "bad plugin name | [plugins.\"a b\"]\\ntype = \"lcow\" | a b",
            "TOML syntax | root = | test",
            "newer version | version = 2 | version",
            "unknown content key | [content]\\naddress = \"/x\" | content.address",
            "relative containerd address | [content]\\ncontainerd_address = \"run/c.sock\" | containerd_address",
    })
    void badConfigsAreClearErrors(String name, String toml, String mentioned) {
        LayerdException e = assertThrows(LayerdException.class,
                () -> ConfigLoader.parse(toml.replace("\\n", "\n"), ROOT, "test"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains(mentioned), e.getMessage());
    }

    @Test
    void unknownPluginOptionsAreRefusedWhenTheInstanceOpens() {
        PluginConfig c = new PluginConfig("x", "lcow", ROOT, Map.of("verityy", true));
        LayerdException e = assertThrows(LayerdException.class, () -> c.requireOnly(java.util.Set.of("verity")));
        assertTrue(e.getMessage().contains("verityy") && e.getMessage().contains("verity"), e.getMessage());
    }

    @Test
    void contentIsLocalUnlessAContainerdAddressIsGiven() {
        assertEquals(null, ConfigLoader.parse("", ROOT, "test").content().containerdAddress());
        DaemonConfig c = ConfigLoader.parse("[content]\ncontainerd_address = \"/run/containerd/containerd.sock\"\n", ROOT, "test");
        assertEquals(Path.of("/run/containerd/containerd.sock"), c.content().containerdAddress());
    }

    @Test
    void lcowLayerOptionsAreCheckedWhenTheInstanceOpens() {
        var ok = io.layerd.lcow.LcowLayerSettings.of(new PluginConfig("x", "lcow", ROOT, Map.of("verity", true, "max_layer_size", "128G")));
        assertEquals(new io.layerd.lcow.LcowLayerSettings(true, 128L << 30), ok);
        assertEquals(512L << 20, io.layerd.lcow.LcowLayerSettings.of(new PluginConfig("x", "lcow", ROOT,
                Map.of("max_layer_size", "512MiB"))).maxLayerSize());
        LayerdException e = assertThrows(LayerdException.class, () -> io.layerd.lcow.LcowLayerSettings.of(
                new PluginConfig("x", "lcow", ROOT, Map.of("max_layer_size", "lots"))));
        assertTrue(e.getMessage().contains("max_layer_size"), e.getMessage());
        assertThrows(LayerdException.class, () -> io.layerd.lcow.LcowLayerSettings.of(
                new PluginConfig("x", "lcow", ROOT, Map.of("verity", "yes"))));
    }
}
