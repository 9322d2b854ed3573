package io.layerd.servicevm.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Paths of file requests: relative to a mount and never outside it. Absolute paths and ".."
 * are refused outright; the parent directory is resolved with its symlinks followed and must
 * still be inside the mount; the last component is not followed, so a request acts on a
 * symlink itself, never on what it points to.
 */
final class MountPaths {
    private final MountPoints mounts;

    MountPaths(MountPoints mounts) {
        this.mounts = mounts;
    }

    /** The mount's directory with its symlinks resolved: what resolved paths must stay under. */
    Path mountDirectory(String mount) throws AgentException, IOException {
        return mounts.existing(mount).toRealPath();
    }

    /** The file {@code path} names in {@code mount}; the mount's own directory for "" or ".". */
    Path resolve(String mount, String path) throws AgentException, IOException {
        Path root = mountDirectory(mount);
        List<String> segments = segments(mount, path);
        if (segments.isEmpty()) {
            return root;
        }
        Path parent = root;
        for (String s : segments.subList(0, segments.size() - 1)) {
            parent = parent.resolve(s);
        }
        Path realParent;
        try {
            realParent = parent.toRealPath();
        } catch (NoSuchFileException e) {
            throw new AgentException(Errno.ENOENT, "path \"" + path + "\" in mount \"" + mount + "\": its directory does not exist");
        } catch (IOException e) {
            throw FileErrors.of(e, "path \"" + path + "\" in mount \"" + mount + "\"");
        }
        if (!realParent.startsWith(root)) {
            throw escapes(mount, path);
        }
        if (!Files.isDirectory(realParent)) {
            throw new AgentException(Errno.ENOTDIR, "path \"" + path + "\" in mount \"" + mount + "\": a parent is not a directory");
        }
        return realParent.resolve(segments.get(segments.size() - 1));
    }

    /** The path's components without "" and "."; EINVAL for absolute paths, EACCES for "..". */
    static List<String> segments(String mount, String path) throws AgentException {
        if (path.indexOf('\0') >= 0) {
            throw new AgentException(Errno.EINVAL, "path in mount \"" + mount + "\" contains NUL");
        }
        if (path.startsWith("/")) {
            throw new AgentException(Errno.EINVAL, "path \"" + path + "\" escapes the mount \"" + mount
                    + "\": it is absolute, and paths are relative to the mount");
        }
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (s.equals("..")) {
                throw escapes(mount, path);
            }
            if (!s.isEmpty() && !s.equals(".")) {
                segments.add(s);
            }
        }
        return segments;
    }

    private static AgentException escapes(String mount, String path) {
        return new AgentException(Errno.EACCES, "path \"" + path + "\" escapes the mount \"" + mount + "\"");
    }
}
