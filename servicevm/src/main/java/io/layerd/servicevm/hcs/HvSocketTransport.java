package io.layerd.servicevm.hcs;

import com.sun.jna.Memory;
import io.layerd.core.io.BulkInputStream;
import io.layerd.servicevm.hypervisor.BridgeTransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connected Hyper-V socket as the bridge's byte stream: blocking {@code recv} and {@code send}
 * through one native buffer per direction.
 *
 * <p>The buffers are never freed explicitly: a reader may still be inside {@code recv} when
 * another thread closes the socket, and JNA frees them once nothing refers to them.
 */
final class HvSocketTransport implements BridgeTransport {
    /** Large enough for a full bridge frame in one call; hv_sock itself moves at most 16 KiB per packet. */
    static final int BUFFER_SIZE = 64 << 10;

    private final Winsock winsock;
    private final SocketHandle socket;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final InputStream input = new Receiver();
    private final OutputStream output = new Sender();

    HvSocketTransport(Winsock winsock, SocketHandle socket, String description) {
        this.winsock = winsock;
        this.socket = socket;
        this.description = description;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public String describe() {
        return description;
    }

    /** Shuts both directions down first so that a thread blocked in {@code recv} returns, then closes. */
    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            winsock.shutdown(socket, Winsock.SD_BOTH);
            if (winsock.closesocket(socket) == Winsock.SOCKET_ERROR) {
                throw failure("closesocket");
            }
        }
    }

    private IOException failure(String call) {
        return new IOException(description + ": " + call + ": " + WinsockErrors.describe(winsock.lastError()));
    }

    private final class Receiver extends BulkInputStream {
        private final Memory buffer = new Memory(BUFFER_SIZE);

        @Override
        protected int readBulk(byte[] b, int off, int len) throws IOException {
            synchronized (buffer) {
                if (closed.get()) {
                    throw new IOException(description + ": closed");
                }
                int received = winsock.recv(socket, buffer, Math.min(len, BUFFER_SIZE), 0);
                if (received == 0) {
                    return -1;
                }
                if (received < 0) {
                    throw closed.get() ? new IOException(description + ": closed") : failure("recv");
                }
                buffer.read(0, b, off, received);
                return received;
            }
        }

        @Override
        public void close() throws IOException {
            HvSocketTransport.this.close();
        }
    }

    private final class Sender extends OutputStream {
        private final Memory buffer = new Memory(BUFFER_SIZE);

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        /** {@code send} may take less than offered; the rest goes in the next round. */
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            synchronized (buffer) {
                int done = 0;
                while (done < len) {
                    if (closed.get()) {
                        throw new IOException(description + ": closed");
                    }
                    int chunk = Math.min(len - done, BUFFER_SIZE);
                    buffer.write(0, b, off + done, chunk);
                    int sent = winsock.send(socket, buffer, chunk, 0);
                    if (sent < 0) {
                        throw closed.get() ? new IOException(description + ": closed") : failure("send");
                    }
                    done += sent;
                }
            }
        }

        @Override
        public void close() throws IOException {
            HvSocketTransport.this.close();
        }
    }
}
