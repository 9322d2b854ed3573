package io.layerd.core.tar;

import io.layerd.core.fs.DeviceNumbers;
import io.layerd.core.fs.LinuxXattrs;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Linux file tree as PAX tar entries, as root's {@code tar -cp --xattrs} archives it: in name
 * order at every level so the same tree always gives the same archive; a file with several names
 * is stored once and then as hard links to its first name; owners, modes, mtimes and every
 * extended attribute go along. Sockets are left out: tar cannot hold them. A thread interrupt
 * ends the walk with {@link InterruptedIOException}.
 */
public final class DirectoryTarWriter {
    private static final String ATTRIBUTES = "unix:mode,uid,gid,nlink,size,lastModifiedTime,rdev,dev,ino";
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

    private final TarWriter tar;
    private final Map<Inode, String> firstNames = new HashMap<>();

    /** One file, whatever its names: st_dev and st_ino. */
    private record Inode(long dev, long ino) {
    }

    public DirectoryTarWriter(TarWriter tar) {
        this.tar = tar;
    }

    /** The entries under {@code dir}, named {@code prefix} + their path below it; {@code dir} itself has none. */
    public void writeChildren(Path dir, String prefix) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path child : children) {
            try {
                write(child, prefix + child.getFileName());
            } catch (NoSuchFileException e) {
                // removed since the directory was read
            }
        }
    }

    /** {@code path} itself as {@code name}, and for a directory everything under it. */
    public void write(Path path, String name) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("cancelled while archiving " + name);
        }
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        int type = mode & S_IFMT;
        if (type == S_IFSOCK) {
            return;
        }
        if (type != S_IFDIR && (Integer) a.get("nlink") > 1) {
            String first = firstNames.putIfAbsent(new Inode((Long) a.get("dev"), (Long) a.get("ino")), name);
            if (first != null) {
                tar.putEntry(withMetadata(TarWriter.Entry.hardLink(name, first), a, null));
                return;
            }
        }
        switch (type) {
            case S_IFREG -> {
                TarWriter.Entry entry = withMetadata(TarWriter.Entry.file(name, (Long) a.get("size")), a, path);
                try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
                    tar.putFile(entry, in);
                }
            }
            case S_IFDIR -> {
                tar.putEntry(withMetadata(TarWriter.Entry.directory(name), a, path));
                writeChildren(path, name + "/");
            }
            case S_IFLNK -> tar.putEntry(withMetadata(TarWriter.Entry.symlink(name, Files.readSymbolicLink(path).toString()), a, path));
            case S_IFCHR, S_IFBLK -> {
                long rdev = (Long) a.get("rdev");
                int major = DeviceNumbers.major(rdev);
                int minor = DeviceNumbers.minor(rdev);
                tar.putEntry(withMetadata(type == S_IFCHR ? TarWriter.Entry.charDevice(name, major, minor)
                        : TarWriter.Entry.blockDevice(name, major, minor), a, path));
            }
            case S_IFIFO -> tar.putEntry(withMetadata(TarWriter.Entry.fifo(name), a, path));
            default -> throw new IOException(name + ": unknown file type " + Integer.toOctalString(type));
        }
    }

    /** Mode, owner, mtime and (for a file read here, not a hard link) extended attributes. */
    private static TarWriter.Entry withMetadata(TarWriter.Entry entry, Map<String, Object> a, Path xattrsOf) throws IOException {
        TarWriter.Entry e = entry.withMode((Integer) a.get("mode"))
                .withOwner((Integer) a.get("uid") & 0xffffffffL, (Integer) a.get("gid") & 0xffffffffL)
                .withMtime(((FileTime) a.get("lastModifiedTime")).toInstant());
        return xattrsOf == null ? e : e.withXattrs(LinuxXattrs.read(xattrsOf));
    }
}
