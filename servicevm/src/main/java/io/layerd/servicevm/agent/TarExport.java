package io.layerd.servicevm.agent;

import io.layerd.core.io.CountingOutputStream;
import io.layerd.api.servicevm.v1.ExportTarRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.core.tar.TarWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
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
 * export_tar: a directory under a mount as a PAX tar, streamed to the host as it is written.
 * Entries are named relative to the directory (which itself has no entry), in name order at
 * every level so the same tree always gives the same archive; a file with several names is
 * stored once and then as hard links to its first name; every extended attribute goes along.
 * Sockets are left out: tar cannot hold them.
 */
final class TarExport {
    private final MountPaths paths;

    TarExport(MountPaths paths) {
        this.paths = paths;
    }

    /** One file, whatever its names: st_dev and st_ino. */
    private record Inode(long dev, long ino) {
    }

    Response exportTar(Request request, RequestContext context) throws AgentException, IOException {
        ExportTarRequest export = request.getExportTar();
        String mount = export.getMount();
        String path = export.getPath();
        Path dir = paths.resolve(mount, path);
        String what = FileOperations.what(mount, path);
        try {
            if (((Integer) FileInfos.lstat(dir).get("mode") & FileInfos.S_IFMT) != FileInfos.S_IFDIR) {
                throw new AgentException(Errno.ENOTDIR, what + " is not a directory");
            }
            CountingOutputStream counted = new CountingOutputStream(context.download());
            TarWriter tar = new TarWriter(counted);
            writeChildren(tar, dir, "", new HashMap<>(), context);
            tar.finish();
            return FileOperations.transfer(counted.count());
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw FileErrors.of(e, what);
        }
    }

    private void writeChildren(TarWriter tar, Path dir, String prefix, Map<Inode, String> firstNames, RequestContext context)
            throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path child : children) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("request " + context.id() + " was cancelled");
            }
            String name = prefix + child.getFileName();
            Map<String, Object> a;
            try {
                a = FileInfos.lstat(child);
            } catch (NoSuchFileException e) {
                continue; // removed since the directory was read
            }
            int mode = (Integer) a.get("mode");
            int type = mode & FileInfos.S_IFMT;
            if (type == FileInfos.S_IFSOCK) {
                continue;
            }
            int nlink = (Integer) a.get("nlink");
            if (type != FileInfos.S_IFDIR && nlink > 1) {
                String first = firstNames.putIfAbsent(new Inode((Long) a.get("dev"), (Long) a.get("ino")), name);
                if (first != null) {
                    tar.putEntry(withMetadata(TarWriter.Entry.hardLink(name, first), a, null));
                    continue;
                }
            }
            switch (type) {
                case FileInfos.S_IFREG -> {
                    TarWriter.Entry entry = withMetadata(TarWriter.Entry.file(name, (Long) a.get("size")), a, child);
                    try (InputStream in = Files.newInputStream(child, LinkOption.NOFOLLOW_LINKS)) {
                        tar.putFile(entry, in);
                    }
                }
                case FileInfos.S_IFDIR -> {
                    tar.putEntry(withMetadata(TarWriter.Entry.directory(name), a, child));
                    writeChildren(tar, child, name + "/", firstNames, context);
                }
                case FileInfos.S_IFLNK -> tar.putEntry(withMetadata(
                        TarWriter.Entry.symlink(name, Files.readSymbolicLink(child).toString()), a, child));
                case FileInfos.S_IFCHR, FileInfos.S_IFBLK -> {
                    long rdev = (Long) a.get("rdev");
                    TarWriter.Entry device = type == FileInfos.S_IFCHR
                            ? TarWriter.Entry.charDevice(name, FileInfos.major(rdev), FileInfos.minor(rdev))
                            : TarWriter.Entry.blockDevice(name, FileInfos.major(rdev), FileInfos.minor(rdev));
                    tar.putEntry(withMetadata(device, a, child));
                }
                case FileInfos.S_IFIFO -> tar.putEntry(withMetadata(TarWriter.Entry.fifo(name), a, child));
                default -> throw new IOException(name + ": unknown file type " + Integer.toOctalString(type));
            }
        }
    }

    /** Mode, owner, mtime and (for a file read here, not a hard link) extended attributes. */
    private static TarWriter.Entry withMetadata(TarWriter.Entry entry, Map<String, Object> a, Path xattrsOf) throws IOException {
        TarWriter.Entry e = entry.withMode((Integer) a.get("mode"))
                .withOwner((Integer) a.get("uid") & 0xffffffffL, (Integer) a.get("gid") & 0xffffffffL)
                .withMtime(((FileTime) a.get("lastModifiedTime")).toInstant());
        return xattrsOf == null ? e : e.withXattrs(Xattrs.read(xattrsOf));
    }
}
