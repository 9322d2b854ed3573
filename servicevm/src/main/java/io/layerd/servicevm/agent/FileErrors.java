package io.layerd.servicevm.agent;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Locale;

/** The errno behind a JDK file-system exception, which carries the reason only as text. */
final class FileErrors {
    private FileErrors() {
    }

    /** {@code what} names the file for a person: {@code path "a/b" in mount "m"}. */
    static AgentException of(IOException e, String what) {
        if (e instanceof NoSuchFileException) {
            return new AgentException(Errno.ENOENT, what + ": no such file or directory", e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return new AgentException(Errno.EEXIST, what + ": already exists", e);
        }
        if (e instanceof DirectoryNotEmptyException) {
            return new AgentException(Errno.ENOTEMPTY, what + ": directory not empty", e);
        }
        if (e instanceof AccessDeniedException) {
            return new AgentException(Errno.EACCES, what + ": permission denied", e);
        }
        if (e instanceof NotDirectoryException) {
            return new AgentException(Errno.ENOTDIR, what + ": not a directory", e);
        }
        if (e instanceof NotLinkException) {
            return new AgentException(Errno.EINVAL, what + ": not a symbolic link", e);
        }
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
        String r = reason.toLowerCase(Locale.ROOT);
        Errno errno = r.contains("is a directory") ? Errno.EISDIR
                : r.contains("not a directory") ? Errno.ENOTDIR
                : r.contains("too many levels of symbolic links") ? Errno.ELOOP
                : r.contains("read-only file system") ? Errno.EROFS
                : r.contains("no space left") ? Errno.ENOSPC
                : r.contains("file name too long") ? Errno.ENAMETOOLONG
                : r.contains("operation not permitted") ? Errno.EPERM
                : r.contains("device or resource busy") ? Errno.EBUSY
                : r.contains("directory not empty") ? Errno.ENOTEMPTY
                : r.contains("invalid cross-device link") ? Errno.EXDEV
                : numbered(r);
        return new AgentException(errno, what + ": " + reason, e);
    }

    /** The errno of a native call's failure, which {@link FileNodes} and {@link Xattrs} report as "errno N". */
    private static Errno numbered(String reason) {
        int at = reason.lastIndexOf("errno ");
        if (at >= 0) {
            try {
                int n = Integer.parseInt(reason.substring(at + 6).trim());
                for (Errno e : Errno.values()) {
                    if (e.number() == n) {
                        return e;
                    }
                }
            } catch (NumberFormatException e) {
                // not one of ours
            }
        }
        return Errno.EIO;
    }
}
