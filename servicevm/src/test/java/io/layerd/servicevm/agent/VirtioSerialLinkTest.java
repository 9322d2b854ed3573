package io.layerd.servicevm.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Finding the bridge's port in sysfs, and the port's end-of-file rule, with a regular file
 * standing in for the device node: like a port without a host, an empty file reads as
 * end-of-file at once.
 */
class VirtioSerialLinkTest {
    @TempDir
    Path dir;

    VirtioSerialLink link() {
        return new VirtioSerialLink(dir.resolve("sys"), dir.resolve("dev"), "layerd.bridge");
    }

    void port(String node, String name) throws IOException {
        Path p = Files.createDirectories(dir.resolve("sys/class/virtio-ports").resolve(node));
        Files.writeString(p.resolve("name"), name + "\n");
    }

    @Test
    void findsThePortByItsName() throws Exception {
        assertEquals(Optional.empty(), link().findPort(), "no driver, no ports");
        port("vport0p1", "org.qemu.guest_agent.0");
        assertEquals(Optional.empty(), link().findPort());
        port("vport0p2", "layerd.bridge");
        assertEquals(Optional.of(dir.resolve("dev/vport0p2")), link().findPort());
    }

    @Test
    void endOfFileWaitsForTheHostUntilDataCameThenEndsTheConnection() throws Exception {
        port("vport1p1", "layerd.bridge");
        Path node = Files.createDirectories(dir.resolve("dev")).resolve("vport1p1");
        Files.createFile(node);
        try (HostLink.Connection c = link().connect()) {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.input().readNBytes(5);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertFalse(read.isDone(), "end-of-file before any data is no host yet: the read waits");
            Files.write(node, "hello".getBytes(), StandardOpenOption.APPEND);
            assertArrayEquals("hello".getBytes(), read.get(5, TimeUnit.SECONDS));
            assertEquals(-1, c.input().read(), "end-of-file after data: the host went away");
            assertThrows(IOException.class, () -> c.output().write(1), "nothing is written for a host that left");
        }
    }
}
