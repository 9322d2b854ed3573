package io.layerd.lcow.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

class Ext4WriterSmokeTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        E2fsck.assumeAvailable();
    }

    @Test
    void smallTreeIsClean() throws Exception {
        Path img = dir.resolve("x.img");
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            Ext4Writer w = new Ext4Writer(ch, Ext4Writer.Options.defaults());
            Metadata m = Metadata.of(0644, 1000, 1000, new FileTime(1700000000, 123456789));
            w.directory("etc", Metadata.of(0755, 0, 0, new FileTime(1700000000, 5)));
            try (var f = w.file("etc/hosts", m, 5)) {
                f.write("hello".getBytes(StandardCharsets.UTF_8), 0, 5);
            }
            byte[] big = new byte[3 * 4096 + 100];
            java.util.Arrays.fill(big, (byte) 7);
            try (var f = w.file("a/b/c/big", m, big.length + 8192L)) {
                f.write(big, 0, 4096);
                f.skip(8192);
                f.write(big, 4096, big.length - 4096);
            }
            w.symlink("etc/short", "hosts", m);
            w.symlink("etc/long", "x".repeat(200), m);
            w.hardLink("etc/hosts2", "etc/hosts");
            w.device("dev/null", true, 1, 3, m);
            w.device("dev/big", false, 300, 70000, m);
            w.fifo("run/fifo", m);
            w.file("empty", m, 0).close();
            w.setXattr("etc", "trusted.overlay.opaque", "y".getBytes());
            Metadata withX = new Metadata(0600, 0, 0, null, null, null, null,
                    Map.of("user.a", "1".getBytes(), "security.capability", new byte[20], "user.big", new byte[300]));
            w.file("x", withX, 0).close();
            w.finish(new byte[16], new int[]{1, 2, 3, 4});
        }
        E2fsck.assertClean(img);
    }
}
