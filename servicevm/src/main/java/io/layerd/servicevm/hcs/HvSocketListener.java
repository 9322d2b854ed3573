package io.layerd.servicevm.hcs;

import io.layerd.servicevm.hypervisor.BridgeTransport;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A listening Hyper-V socket bound to one VM and one service id, as hcsshim's host listeners are.
 *
 * <p>Winsock's blocking {@code accept} has no timeout, and whether AF_HYPERV sockets work with
 * {@code select}/{@code WSAPoll} is not documented, so one daemon thread sits in {@code accept}
 * and hands connections over through a queue; {@link #accept(Duration)} waits on the queue.
 * {@link #close()} closes the listening socket, which makes Winsock end the pending accept.
 */
final class HvSocketListener implements BridgeListener {
    private static final int BACKLOG = 4;

    private final Winsock winsock;
    private final SocketHandle socket;
    private final String description;
    private final BlockingQueue<BridgeTransport> accepted = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile IOException failure;

    private HvSocketListener(Winsock winsock, SocketHandle socket, String description) {
        this.winsock = winsock;
        this.socket = socket;
        this.description = description;
    }

    /** Binds and listens; guests can connect as soon as this returns. */
    static HvSocketListener listen(Winsock winsock, UUID vmId, UUID serviceId) throws IOException {
        String description = "hvsock " + vmId + ":" + serviceId;
        SocketHandle socket = winsock.socket(Winsock.AF_HYPERV, Winsock.SOCK_STREAM, Winsock.HV_PROTOCOL_RAW);
        if (socket == null || socket.isInvalid()) {
            throw new IOException(description + ": socket: " + WinsockErrors.describe(winsock.lastError()));
        }
        try {
            if (winsock.bind(socket, SockaddrHv.of(vmId, serviceId), SockaddrHv.SIZE) == Winsock.SOCKET_ERROR) {
                throw new IOException(description + ": bind: " + WinsockErrors.describe(winsock.lastError()));
            }
            if (winsock.listen(socket, BACKLOG) == Winsock.SOCKET_ERROR) {
                throw new IOException(description + ": listen: " + WinsockErrors.describe(winsock.lastError()));
            }
        } catch (IOException e) {
            winsock.closesocket(socket);
            throw e;
        }
        HvSocketListener listener = new HvSocketListener(winsock, socket, description);
        Thread acceptor = new Thread(listener::acceptUntilClosed, "hvsock-accept " + vmId);
        acceptor.setDaemon(true);
        acceptor.start();
        return listener;
    }

    @Override
    public BridgeTransport accept(Duration timeout) throws IOException {
        BridgeTransport next = accepted.poll();
        if (next == null && !closed && failure == null) {
            try {
                next = accepted.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(description + ": interrupted while waiting for the guest");
            }
        }
        if (next != null) {
            return next;
        }
        if (closed) {
            throw new IOException(description + ": listener closed");
        }
        if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
        }
        return null;
    }

    @Override
    public String describe() {
        return description;
    }

    /** Stops listening; connections nobody has taken yet are closed too. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        winsock.closesocket(socket);
        BridgeTransport unclaimed;
        while ((unclaimed = accepted.poll()) != null) {
            unclaimed.close();
        }
    }

    private void acceptUntilClosed() {
        while (!closed) {
            SocketHandle connection = winsock.accept(socket, null, null);
            if (connection == null || connection.isInvalid()) {
                if (!closed) {
                    failure = new IOException(description + ": accept: " + WinsockErrors.describe(winsock.lastError()));
                }
                return;
            }
            HvSocketTransport transport = new HvSocketTransport(winsock, connection, description);
            accepted.add(transport);
            if (closed) {
                // close() may have drained the queue just before this connection landed in it.
                accepted.remove(transport);
                try {
                    transport.close();
                } catch (IOException ignored) {
                    // the listener is gone; nobody can use this connection anyway
                }
            }
        }
    }
}
