package io.layerd.servicevm.agent;

import io.layerd.api.servicevm.v1.FileInfo;
import io.layerd.api.servicevm.v1.ListResponse;
import io.layerd.api.servicevm.v1.MkdirRequest;
import io.layerd.api.servicevm.v1.RemoveRequest;
import io.layerd.api.servicevm.v1.RenameRequest;
import io.layerd.api.servicevm.v1.Request;
import io.layerd.api.servicevm.v1.Response;
import io.layerd.api.servicevm.v1.TransferResponse;
import io.layerd.api.servicevm.v1.WriteFileRequest;
import io.layerd.core.fs.Durable;
import io.layerd.servicevm.bridge.BridgeProtocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** stat, list, read_file, write_file, remove, rename and mkdir under a mount (see {@link MountPaths}). */
final class FileOperations {
    /** Room left in a frame for the envelope around a list response. */
    private static final int FRAME_ENVELOPE_BYTES = 1024;
    private static final int COPY_BUFFER = 256 << 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MountPaths paths;

    FileOperations(MountPaths paths) {
        this.paths = paths;
    }

    Response stat(Request request, RequestContext context) throws AgentException, IOException {
        String mount = request.getStat().getMount();
        String path = request.getStat().getPath();
        Path p = paths.resolve(mount, path);
        return Response.newBuilder().setStat(info(p, mount, path)).build();
    }

    /** One level, sorted by name; a directory too large for one frame is refused (EMSGSIZE). */
    Response list(Request request, RequestContext context) throws AgentException, IOException {
        String mount = request.getList().getMount();
        String path = request.getList().getPath();
        Path dir = paths.resolve(mount, path);
        requireType(dir, mount, path, FileInfos.S_IFDIR, Errno.ENOTDIR, "is not a directory");
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        ListResponse.Builder list = ListResponse.newBuilder();
        for (Path child : children) {
            try {
                list.addEntries(FileInfos.of(child, child.getFileName().toString()));
            } catch (NoSuchFileException e) {
                // removed since the directory was read
            }
        }
        if (list.build().getSerializedSize() > BridgeProtocol.MAX_FRAME_BYTES - FRAME_ENVELOPE_BYTES) {
            throw new AgentException(Errno.EMSGSIZE, what(mount, path) + ": " + children.size()
                    + " entries do not fit one response; export it as a tar instead");
        }
        return Response.newBuilder().setList(list).build();
    }

    Response readFile(Request request, RequestContext context) throws AgentException, IOException {
        String mount = request.getReadFile().getMount();
        String path = request.getReadFile().getPath();
        Path file = paths.resolve(mount, path);
        requireRegularFile(file, mount, path);
        long sent = 0;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            OutputStream out = context.download();
            byte[] buffer = new byte[COPY_BUFFER];
            for (int n; (n = in.read(buffer)) > 0; ) {
                checkInterrupted(context);
                out.write(buffer, 0, n);
                sent += n;
            }
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        }
        return transfer(sent);
    }

    /**
     * Creates or replaces the file with exactly {@code size} uploaded bytes, atomically: the data
     * goes to a temporary file in the same directory, is synced, and is renamed over the target,
     * so a reader (or a crash) sees the old file or the new one, never a part.
     */
    Response writeFile(Request request, RequestContext context) throws AgentException, IOException {
        WriteFileRequest write = request.getWriteFile();
        String mount = write.getMount();
        String path = write.getPath();
        Path target = paths.resolve(mount, path);
        if (target.equals(paths.mountDirectory(mount))) {
            throw new AgentException(Errno.EISDIR, what(mount, path) + " is the mount's directory");
        }
        Map<String, Object> existing = lstatOrNull(target);
        int existingMode = existing == null ? 0 : (Integer) existing.get("mode");
        if ((existingMode & FileInfos.S_IFMT) == FileInfos.S_IFDIR) {
            throw new AgentException(Errno.EISDIR, what(mount, path) + " is a directory");
        }
        boolean replacesFile = (existingMode & FileInfos.S_IFMT) == FileInfos.S_IFREG;
        // mode 0 keeps the permissions of the file replaced, or gives a new file rw-r--r--.
        int mode = write.getMode() != 0 ? write.getMode() & 07777 : replacesFile ? existingMode & 07777 : 0644;

        Path dir = target.getParent();
        Path temp = dir.resolve(".layerd-write-" + HexFormat.of().formatHex(randomBytes()));
        boolean renamed = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                copyExactly(context, ch, write.getSize(), mount, path);
                if (replacesFile) {
                    // ownership before mode: chown clears setuid and setgid
                    Files.setAttribute(temp, "unix:uid", existing.get("uid"), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(temp, "unix:gid", existing.get("gid"), LinkOption.NOFOLLOW_LINKS);
                }
                // Explicit, because the umask would otherwise narrow it, and it may carry setuid.
                Files.setAttribute(temp, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            renamed = true;
            Durable.syncDirectory(dir);
        } catch (AgentException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        } finally {
            if (!renamed) {
                Files.deleteIfExists(temp);
            }
        }
        return transfer(write.getSize());
    }

    /** Removes a file, symlink or empty directory; a directory with its contents when recursive. */
    Response remove(Request request, RequestContext context) throws AgentException, IOException {
        RemoveRequest remove = request.getRemove();
        String mount = remove.getMount();
        String path = remove.getPath();
        Path p = paths.resolve(mount, path);
        if (p.equals(paths.mountDirectory(mount))) {
            throw new AgentException(Errno.EBUSY, what(mount, path) + " is the mount's directory; unmount it instead");
        }
        try {
            int mode = (Integer) FileInfos.lstat(p).get("mode");
            if ((mode & FileInfos.S_IFMT) == FileInfos.S_IFDIR && remove.getRecursive()) {
                Durable.deleteTree(p); // walks without following symlinks
            } else {
                Files.delete(p);
            }
            Durable.syncDirectory(p.getParent());
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            throw new AgentException(Errno.ENOTEMPTY, what(mount, path) + " is a directory that is not empty;"
                    + " remove it recursively to delete its contents too");
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        }
        return SystemOperations.empty();
    }

    /**
     * rename(2): atomic, replacing a file or an empty directory at the new name; both names in
     * the same mount.
     */
    Response rename(Request request, RequestContext context) throws AgentException, IOException {
        RenameRequest rename = request.getRename();
        String mount = rename.getMount();
        Path from = paths.resolve(mount, rename.getFrom());
        Path to = paths.resolve(mount, rename.getTo());
        Path root = paths.mountDirectory(mount);
        if (from.equals(root) || to.equals(root)) {
            throw new AgentException(Errno.EBUSY, "rename " + what(mount, rename.getFrom()) + " to \"" + rename.getTo()
                    + "\": the mount's directory cannot be renamed or replaced");
        }
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            Durable.syncDirectory(to.getParent());
            if (!from.getParent().equals(to.getParent())) {
                Durable.syncDirectory(from.getParent());
            }
        } catch (IOException e) {
            throw FileErrors.of(e, "rename " + what(mount, rename.getFrom()) + " to \"" + rename.getTo() + "\"");
        }
        return SystemOperations.empty();
    }

    /** Creates a directory (mode 0 means rwxr-xr-x); with parents, the missing ones on the way too. */
    Response mkdir(Request request, RequestContext context) throws AgentException, IOException {
        MkdirRequest mkdir = request.getMkdir();
        String mount = mkdir.getMount();
        String path = mkdir.getPath();
        int mode = mkdir.getMode() != 0 ? mkdir.getMode() & 07777 : 0755;
        List<String> segments = MountPaths.segments(mount, path);
        if (segments.isEmpty()) {
            if (mkdir.getParents()) {
                return SystemOperations.empty();
            }
            throw new AgentException(Errno.EEXIST, what(mount, path) + " is the mount's directory");
        }
        if (!mkdir.getParents()) {
            createDirectory(paths.resolve(mount, path), mode, mount, path);
            return SystemOperations.empty();
        }
        // One level at a time, each resolved afresh, so a symlink on the way is checked like any path.
        for (int i = 1; i <= segments.size(); i++) {
            String prefix = String.join("/", segments.subList(0, i));
            Path p = paths.resolve(mount, prefix);
            Map<String, Object> a = lstatOrNull(p);
            if (a == null) {
                try {
                    createDirectory(p, mode, mount, prefix);
                    continue;
                } catch (AgentException e) {
                    if (e.errno() != Errno.EEXIST) {
                        throw e;
                    }
                    a = FileInfos.lstat(p); // created meanwhile by another request
                }
            }
            int type = (Integer) a.get("mode") & FileInfos.S_IFMT;
            boolean isLast = i == segments.size();
            if (type != FileInfos.S_IFDIR && !(type == FileInfos.S_IFLNK && !isLast)) {
                throw new AgentException(isLast ? Errno.EEXIST : Errno.ENOTDIR, what(mount, prefix) + " exists and is not a directory");
            }
        }
        return SystemOperations.empty();
    }

    private static void createDirectory(Path p, int mode, String mount, String path) throws AgentException, IOException {
        try {
            Files.createDirectory(p);
            Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
            Durable.syncDirectory(p.getParent());
        } catch (FileAlreadyExistsException e) {
            throw new AgentException(Errno.EEXIST, what(mount, path) + " already exists");
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        }
    }

    /** Copies exactly {@code size} uploaded bytes; EINVAL when the upload is shorter or longer. */
    private static void copyExactly(RequestContext context, FileChannel ch, long size, String mount, String path)
            throws IOException, AgentException {
        InputStream upload = context.upload();
        byte[] buffer = new byte[COPY_BUFFER];
        long left = size;
        while (left > 0) {
            int n = upload.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new AgentException(Errno.EINVAL, what(mount, path) + ": the upload ended after " + (size - left)
                        + " of the " + size + " bytes announced");
            }
            ByteBuffer data = ByteBuffer.wrap(buffer, 0, n);
            while (data.hasRemaining()) {
                ch.write(data);
            }
            left -= n;
        }
        if (upload.read() >= 0) {
            throw new AgentException(Errno.EINVAL, what(mount, path) + ": the upload is longer than the " + size + " bytes announced");
        }
    }

    private static void requireRegularFile(Path p, String mount, String path) throws AgentException, IOException {
        int type = type(p, mount, path);
        if (type == FileInfos.S_IFDIR) {
            throw new AgentException(Errno.EISDIR, what(mount, path) + " is a directory");
        }
        if (type != FileInfos.S_IFREG) {
            throw new AgentException(Errno.EINVAL, what(mount, path) + " is a " + FileInfos.typeName(type) + ", not a regular file");
        }
    }

    private static void requireType(Path p, String mount, String path, int wanted, Errno errno, String message)
            throws AgentException, IOException {
        if (type(p, mount, path) != wanted) {
            throw new AgentException(errno, what(mount, path) + " " + message);
        }
    }

    private static int type(Path p, String mount, String path) throws AgentException {
        try {
            return (Integer) FileInfos.lstat(p).get("mode") & FileInfos.S_IFMT;
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        }
    }

    private static FileInfo info(Path p, String mount, String path) throws AgentException {
        try {
            boolean isMountDirectory = MountPaths.segments(mount, path).isEmpty();
            return FileInfos.of(p, isMountDirectory ? "" : p.getFileName().toString());
        } catch (IOException e) {
            throw FileErrors.of(e, what(mount, path));
        }
    }

    private static Map<String, Object> lstatOrNull(Path p) throws IOException {
        try {
            return FileInfos.lstat(p);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void checkInterrupted(RequestContext context) throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("request " + context.id() + " was cancelled");
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    static Response transfer(long bytes) {
        return Response.newBuilder().setTransfer(TransferResponse.newBuilder().setBytes(bytes)).build();
    }

    static String what(String mount, String path) {
        return "path \"" + path + "\" in mount \"" + mount + "\"";
    }
}
