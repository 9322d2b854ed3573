package io.layerd.servicevm.agent;

import io.layerd.core.fs.LinuxXattrs;

import io.layerd.api.servicevm.v1.ExtractTarRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.core.fs.Durable;
import io.layerd.core.tar.TarEntry;
import io.layerd.core.tar.TarReader;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * extract_tar: the uploaded tar unpacked under a directory of a mount, as root's {@code tar -xp
 * --xattrs} does it. Every entry is resolved like any request path (never outside the mount,
 * never through a symlink pointing out). An entry replaces a non-directory in its way and a
 * directory only when it is not a directory itself; directories get their times last, once
 * nothing is written into them any more.
 */
final class TarExtract {
    private static final int COPY_BUFFER = 256 << 10;

    private final MountPaths paths;

    TarExtract(MountPaths paths) {
        this.paths = paths;
    }

    private record DirectoryTime(Path dir, TarEntry entry) {
    }

    Response extractTar(Request request, RequestContext context) throws AgentException, IOException {
        ExtractTarRequest extract = request.getExtractTar();
        String mount = extract.getMount();
        String base = extract.getPath();
        Path root = paths.resolve(mount, base);
        Map<String, Object> rootInfo = lstatOrNull(root);
        if (rootInfo == null || ((Integer) rootInfo.get("mode") & FileInfos.S_IFMT) != FileInfos.S_IFDIR) {
            throw new AgentException(rootInfo == null ? Errno.ENOENT : Errno.ENOTDIR,
                    FileOperations.what(mount, base) + " is not a directory to extract into");
        }
        TarReader tar = new TarReader(context.upload());
        List<DirectoryTime> directories = new ArrayList<>();
        TarEntry entry;
        while ((entry = tar.next()) != null) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("request " + context.id() + " was cancelled");
            }
            String name = inside(base, entry.name(), mount);
            String what = FileOperations.what(mount, name);
            boolean isRoot = MountPaths.segments(mount, name).equals(MountPaths.segments(mount, base));
            if (isRoot && entry.type() != TarEntry.Type.DIRECTORY) {
                throw new AgentException(Errno.EINVAL, what + ": a " + entry.type() + " entry cannot replace the directory extracted into");
            }
            try {
                createParents(mount, base, name);
                Path target = isRoot ? root : paths.resolve(mount, name);
                if (write(entry, target, tar, mount, base, what)) {
                    directories.add(new DirectoryTime(target, entry));
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                throw FileErrors.of(e, what);
            }
        }
        for (int i = directories.size() - 1; i >= 0; i--) {
            DirectoryTime d = directories.get(i);
            setTimes(d.dir(), d.entry());
        }
        Durable.syncDirectory(root);
        return FileOperations.transfer(tar.position());
    }

    /** The entry's path relative to the mount; "/" prefixes are dropped as tar does, ".." refused. */
    private static String inside(String base, String entryName, String mount) throws AgentException {
        String relative = entryName;
        while (relative.startsWith("/")) {
            relative = relative.substring(1);
        }
        List<String> segments = MountPaths.segments(mount, relative);
        List<String> all = new ArrayList<>(MountPaths.segments(mount, base));
        all.addAll(segments);
        return String.join("/", all);
    }

    /** Missing directories on the way, as tar makes them: rwxr-xr-x, root's. */
    private void createParents(String mount, String base, String name) throws AgentException, IOException {
        List<String> segments = MountPaths.segments(mount, name);
        int from = MountPaths.segments(mount, base).size() + 1;
        for (int i = from; i < segments.size(); i++) {
            Path p = paths.resolve(mount, String.join("/", segments.subList(0, i)));
            if (lstatOrNull(p) == null) {
                Files.createDirectory(p);
            }
        }
    }

    /** Creates one entry; true for a directory, whose times are set at the end. */
    private boolean write(TarEntry entry, Path target, TarReader tar, String mount, String base, String what)
            throws IOException, AgentException {
        Map<String, Object> existing = lstatOrNull(target);
        boolean existingIsDirectory = existing != null && ((Integer) existing.get("mode") & FileInfos.S_IFMT) == FileInfos.S_IFDIR;
        if (entry.type() == TarEntry.Type.DIRECTORY && existingIsDirectory) {
            setOwnerModeXattrs(target, entry, false);
            return true;
        }
        if (existing != null) {
            if (existingIsDirectory) {
                Durable.deleteTree(target);
            } else {
                Files.delete(target);
            }
        }
        switch (entry.type()) {
            case DIRECTORY -> Files.createDirectory(target);
            case FILE -> {
                if (entry.isSparse()) {
                    throw new AgentException(Errno.EINVAL, what + ": sparse tar entries are not supported; send the file whole");
                }
                copy(tar, target, entry.size());
            }
            case HARD_LINK -> {
                Path existingName = paths.resolve(mount, inside(base, entry.linkName(), mount));
                Files.createLink(target, existingName);
                return false; // one inode: its metadata came with its first name
            }
            case SYMLINK -> Files.createSymbolicLink(target, Path.of(entry.linkName()));
            case CHAR_DEVICE -> FileNodes.mknod(target, FileInfos.S_IFCHR, entry.mode(), entry.devMajor(), entry.devMinor());
            case BLOCK_DEVICE -> FileNodes.mknod(target, FileInfos.S_IFBLK, entry.mode(), entry.devMajor(), entry.devMinor());
            case FIFO -> FileNodes.mknod(target, FileInfos.S_IFIFO, entry.mode(), 0, 0);
            default -> throw new AgentException(Errno.EINVAL, what + ": tar entry type "
                    + entry.paxText("typeflag") + " cannot be extracted");
        }
        boolean symlink = entry.type() == TarEntry.Type.SYMLINK;
        setOwnerModeXattrs(target, entry, symlink);
        if (entry.type() == TarEntry.Type.DIRECTORY) {
            return true;
        }
        setTimes(target, entry);
        return false;
    }

    private static void copy(TarReader tar, Path target, long size) throws IOException {
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[COPY_BUFFER];
            long left = size;
            while (left > 0) {
                int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("the tar ended inside " + target.getFileName());
                }
                out.write(buffer, 0, n);
                left -= n;
            }
        }
    }

    /** Owner before mode (chown clears setuid and setgid); a symlink has no mode of its own. */
    private static void setOwnerModeXattrs(Path p, TarEntry entry, boolean symlink) throws IOException {
        FileNodes.lchown(p, entry.uid(), entry.gid());
        if (!symlink) {
            FileNodes.chmod(p, entry.mode());
        }
        for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
            LinuxXattrs.write(p, x.getKey(), x.getValue());
        }
    }

    private static void setTimes(Path p, TarEntry entry) throws IOException {
        if (entry.mtime() != null) {
            FileNodes.setModified(p, entry.mtime());
        }
    }

    private static Map<String, Object> lstatOrNull(Path p) throws IOException {
        try {
            return FileInfos.lstat(p);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
