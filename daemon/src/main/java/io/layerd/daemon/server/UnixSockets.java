package io.layerd.daemon.server;

import io.layerd.core.errors.LayerdException;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Preparing and finishing the unix socket the daemon listens on. */
final class UnixSockets {
    /** sun_path holds 108 bytes including the terminating NUL on Linux. */
    static final int MAX_PATH_BYTES = 107;

    private UnixSockets() {
    }

    /**
     * Makes {@code socket} bindable: checks its length, creates its directory, and removes a
     * stale socket file left by a daemon that died. A socket someone still answers on is refused.
     */
    static void prepare(Path socket) {
        int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_PATH_BYTES) {
            throw LayerdException.invalidArgument("socket address %s is %d bytes long; unix sockets allow %d: choose a shorter [grpc] address",
                    socket, length, MAX_PATH_BYTES);
        }
        try {
            Files.createDirectories(socket.getParent());
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (answers(socket)) {
                throw LayerdException.failedPrecondition("socket %s is in use by another process; stop it or choose another [grpc] address", socket);
            }
            Files.delete(socket);
        } catch (IOException e) {
            throw LayerdException.internal("socket " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Restricts the socket to its owner and group (mode 0660). */
    static void restrict(Path socket) {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            throw LayerdException.internal("socket " + socket + ": cannot set mode 0660: " + e.getMessage(), e);
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
