package io.layerd.servicevm.hcs;

import com.sun.jna.Pointer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ws2_32.dll in memory. Guests "connect" by {@link #connect()}; each connected socket returns the
 * chunks queued for it from recv (an empty chunk is the peer's orderly close and stays, a missing one
 * an error) and collects what is sent, at most {@link #sendLimit} bytes per call.
 */
final class FakeWinsock implements Winsock {
    static final int WSAEINTR = 10004;
    static final int WSAECONNRESET = 10054;
    private static final long CLOSED_LISTENER = -2;

    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final Map<Long, Deque<byte[]>> inbound = new ConcurrentHashMap<>();
    final Map<Long, ByteArrayOutputStream> outbound = new ConcurrentHashMap<>();
    volatile byte[] boundAddress;
    volatile int bindError;
    volatile int sendLimit = Integer.MAX_VALUE;

    private final BlockingQueue<Long> pending = new LinkedBlockingQueue<>();
    private final AtomicLong nextSocket = new AtomicLong(100);
    private final ThreadLocal<Integer> lastError = ThreadLocal.withInitial(() -> 0);
    private volatile long listening = -1;

    /** A guest connects; returns the socket number the host will get from accept. */
    long connect() {
        long socket = nextSocket.incrementAndGet();
        inbound.put(socket, new ArrayDeque<>());
        outbound.put(socket, new ByteArrayOutputStream());
        pending.add(socket);
        return socket;
    }

    void guestSends(long socket, byte[]... chunks) {
        Deque<byte[]> queue = inbound.get(socket);
        synchronized (queue) {
            for (byte[] chunk : chunks) {
                queue.add(chunk);
            }
        }
    }

    private int fail(int error) {
        lastError.set(error);
        return SOCKET_ERROR;
    }

    @Override
    public int lastError() {
        return lastError.get();
    }

    @Override
    public int WSAStartup(short versionRequested, Pointer data) {
        return 0;
    }

    @Override
    public SocketHandle socket(int addressFamily, int type, int protocol) {
        calls.add("socket " + addressFamily + " " + type + " " + protocol);
        listening = nextSocket.incrementAndGet();
        return new SocketHandle(listening);
    }

    @Override
    public int bind(SocketHandle socket, SockaddrHv address, int addressLength) {
        calls.add("bind " + addressLength);
        boundAddress = address.getPointer().getByteArray(0, addressLength);
        return bindError == 0 ? 0 : fail(bindError);
    }

    @Override
    public int listen(SocketHandle socket, int backlog) {
        calls.add("listen");
        return 0;
    }

    @Override
    public SocketHandle accept(SocketHandle socket, Pointer address, Pointer addressLength) {
        try {
            long next = pending.take();
            if (next == CLOSED_LISTENER) {
                lastError.set(WSAEINTR);
                return new SocketHandle(-1);
            }
            return new SocketHandle(next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lastError.set(WSAEINTR);
            return new SocketHandle(-1);
        }
    }

    @Override
    public int recv(SocketHandle socket, Pointer buffer, int length, int flags) {
        Deque<byte[]> queue = inbound.get(socket.longValue());
        byte[] chunk;
        synchronized (queue) {
            chunk = queue.poll();
            if (chunk == null) {
                return fail(WSAECONNRESET);
            }
            if (chunk.length == 0) {
                queue.addFirst(chunk); // like a real socket, end of stream stays the end
            }
            if (chunk.length > length) {
                byte[] rest = new byte[chunk.length - length];
                System.arraycopy(chunk, length, rest, 0, rest.length);
                queue.addFirst(rest);
                byte[] head = new byte[length];
                System.arraycopy(chunk, 0, head, 0, length);
                chunk = head;
            }
        }
        buffer.write(0, chunk, 0, chunk.length);
        return chunk.length;
    }

    @Override
    public int send(SocketHandle socket, Pointer buffer, int length, int flags) {
        ByteArrayOutputStream sink = outbound.get(socket.longValue());
        if (sink == null) {
            return fail(WSAECONNRESET);
        }
        int taken = Math.min(length, sendLimit);
        sink.writeBytes(buffer.getByteArray(0, taken));
        return taken;
    }

    @Override
    public int shutdown(SocketHandle socket, int how) {
        calls.add("shutdown " + socket.longValue() + " " + how);
        return 0;
    }

    @Override
    public int closesocket(SocketHandle socket) {
        calls.add("closesocket " + socket.longValue());
        if (socket.longValue() == listening) {
            pending.add(CLOSED_LISTENER);
        }
        return 0;
    }
}
