package io.layerd.tests.image;

import io.layerd.core.tar.TarWriter;
import io.layerd.core.tar.TarWriter.Entry;
import io.layerd.core.io.RandomBytesStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The images the unpack tests use, built from scratch. {@link #multiLayer} exercises what a
 * layer backend gets wrong most easily: files and directories deleted by upper layers
 * (whiteouts), a directory replaced wholesale (opaque), hard links, symlinks, xattrs including a
 * binary {@code security.capability}, ownership, modes and a large file spanning many extents.
 */
public final class TestImages {
    /** {@code security.capability} v2 granting cap_net_bind_service, as setcap writes it. */
    static final byte[] CAP_NET_BIND_SERVICE = {1, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static final Instant T = Instant.parse("2026-01-02T03:04:05.123456789Z");
    static final int LARGE_FILE_BYTES = 24 << 20;

    private TestImages() {
    }

    public static OciImageBuilder.Image multiLayer(Path archive) throws IOException {
        return new OciImageBuilder("layerd.test/multi:1")
                .layer(TestImages::base)
                .layer(TestImages::changes)
                .layer(TestImages::moreChanges)
                .writeArchive(archive);
    }

    private static void base(TarWriter t) throws IOException {
        dir(t, "bin");
        dir(t, "etc");
        file(t, "etc/hostname", "base\n", 0644);
        file(t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
        dir(t, "usr");
        dir(t, "usr/share");
        dir(t, "usr/share/doc");
        file(t, "usr/share/doc/README", "docs\n", 0644);
        file(t, "usr/share/doc/NEWS", "news\n", 0644);
        dir(t, "var");
        dir(t, "var/cache");
        file(t, "var/cache/a", "a\n", 0600);
        file(t, "var/cache/b", "b\n", 0600);
        dir(t, "opt");
        dir(t, "opt/app");
        file(t, "opt/app/old.conf", "old\n", 0644);
        t.putFile(Entry.file("bin/tool", 5).withMode(04755).withOwner(0, 0).withMtime(T)
                .withXattrs(Map.of("user.origin", "base".getBytes(StandardCharsets.UTF_8))),
                new ByteArrayInputStream("tool\n".getBytes(StandardCharsets.UTF_8)));
        // File capabilities on a file without hard links: containerd chowns every hard link it
        // creates, and the kernel drops security.capability on chown.
        t.putFile(Entry.file("bin/ping", 5).withMode(0755).withMtime(T)
                .withXattrs(Map.of("security.capability", CAP_NET_BIND_SERVICE)),
                new ByteArrayInputStream("ping\n".getBytes(StandardCharsets.UTF_8)));
        t.putEntry(Entry.symlink("bin/sh", "tool").withMtime(T));
        // A hard link's header carries its target's mode, as tar tools write it: containerd's
        // applier chmods the shared inode to the link header's mode.
        t.putEntry(Entry.hardLink("bin/tool-again", "bin/tool").withMode(04755).withMtime(T));
        t.putEntry(Entry.charDevice("dev-null", 1, 3).withMode(0666).withMtime(T));
        t.putEntry(Entry.fifo("pipe").withMode(0600).withMtime(T));
        dir(t, "home");
        t.putEntry(Entry.directory("home/user").withOwner(1000, 1000).withMode(0750).withMtime(T));
        t.putFile(Entry.file("home/user/.profile", 6).withOwner(1000, 1000).withMode(0640).withMtime(T),
                new ByteArrayInputStream("# sh\n\n".getBytes(StandardCharsets.UTF_8)));
    }

    private static void changes(TarWriter t) throws IOException {
        dir(t, "etc");
        file(t, "etc/hostname", "changed\n", 0644); // replaced
        t.putEntry(Entry.file("etc/.wh.passwd", 0).withMtime(T)); // deleted file
        dir(t, "usr");
        dir(t, "usr/share");
        t.putEntry(Entry.file("usr/share/.wh.doc", 0).withMtime(T)); // deleted directory
        dir(t, "var");
        dir(t, "var/cache");
        t.putEntry(Entry.file("var/cache/.wh..wh..opq", 0).withMtime(T)); // opaque: a and b are gone
        file(t, "var/cache/c", "c\n", 0600);
        dir(t, "opt");
        t.putEntry(Entry.file("opt/.wh.app", 0).withMtime(T)); // directory replaced by a file
        file(t, "opt/app", "now a file\n", 0644);
        dir(t, "data");
        t.putFile(Entry.file("data/large.bin", LARGE_FILE_BYTES).withMtime(T), new RandomBytesStream(LARGE_FILE_BYTES, 42));
        t.putEntry(Entry.hardLink("data/large-link", "data/large.bin").withMtime(T));
    }

    private static void moreChanges(TarWriter t) throws IOException {
        dir(t, "bin");
        t.putEntry(Entry.file("bin/.wh.tool-again", 0).withMtime(T)); // one name of a hard link gone
        dir(t, "etc");
        t.putFile(Entry.file("etc/motd", 6).withMtime(T).withXattrs(Map.of("user.note", "hello".getBytes(StandardCharsets.UTF_8),
                "trusted.layerd", new byte[]{0, (byte) 0xff, 7})), new ByteArrayInputStream("hello\n".getBytes(StandardCharsets.UTF_8)));
        dir(t, "usr");
        dir(t, "usr/share");
        dir(t, "usr/share/doc"); // re-created after its deletion: only the new content shows
        file(t, "usr/share/doc/NEW", "new\n", 0644);
    }

    private static void dir(TarWriter t, String name) throws IOException {
        t.putEntry(Entry.directory(name).withMtime(T));
    }

    private static void file(TarWriter t, String name, String content, int mode) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        t.putFile(Entry.file(name, b.length).withMode(mode).withMtime(T), new ByteArrayInputStream(b));
    }

}
