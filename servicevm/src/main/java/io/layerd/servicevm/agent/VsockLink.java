package io.layerd.servicevm.agent;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.layerd.core.io.BulkInputStream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bridge over AF_VSOCK (Hyper-V's hvsock, or vhost-vsock): the agent connects to the host
 * (CID 2) on the bridge port, retrying every {@link #RETRY_MILLIS} until the host listens.
 * The JDK has no vsock sockets, so the few libc calls are made through JNA.
 */
final class VsockLink implements HostLink {
    static final int AF_VSOCK = 40;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 02000000;
    /** VMADDR_CID_HOST. */
    static final int HOST_CID = 2;
    static final long RETRY_MILLIS = 200;
    private static final int EINTR = 4;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SHUT_RDWR = 2;
    private static final int BUFFER = 64 << 10;

    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int socket(int domain, int type, int protocol);

        int connect(int fd, byte[] address, int length);

        long recv(int fd, Memory buffer, long length, int flags);

        long send(int fd, Memory buffer, long length, int flags);

        int shutdown(int fd, int how);

        int close(int fd);
    }

    private final int cid;
    private final long port;

    VsockLink(int cid, long port) {
        this.cid = cid;
        this.port = port;
    }

    @Override
    public String transportName() {
        return "vsock";
    }

    @Override
    public Connection connect() throws IOException, InterruptedException {
        byte[] address = socketAddress(cid, port);
        boolean reported = false;
        while (true) {
            int fd = LibC.C.socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("socket(AF_VSOCK): errno " + Native.getLastError() + " (is the vsock transport loaded?)");
            }
            if (LibC.C.connect(fd, address, address.length) == 0) {
                Socket s = new Socket(fd);
                return new Connection(s.input, s.output, "vsock " + cid + ":" + port, s);
            }
            int errno = Native.getLastError();
            LibC.C.close(fd);
            if (!reported) {
                AgentLog.line("vsock connect to " + cid + ":" + port + " failed (errno " + errno + "); retrying every "
                        + RETRY_MILLIS + " ms");
                reported = true;
            }
            Thread.sleep(RETRY_MILLIS);
        }
    }

    /**
     * struct sockaddr_vm, 16 bytes in the machine's byte order.
     * <pre>
     *  0 svm_family u16 (AF_VSOCK)   2 svm_reserved1 u16   4 svm_port u32   8 svm_cid u32   12 svm_zero[4]
     * </pre>
     */
    static byte[] socketAddress(int cid, long port) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        b.putShort(0, (short) AF_VSOCK);
        b.putInt(4, (int) port);
        b.putInt(8, cid);
        return b.array();
    }

    /** A connected socket as two streams; closing shuts it down first so blocked calls return. */
    private static final class Socket implements Closeable {
        private final int fd;
        private final Object writeLock = new Object();
        private volatile boolean closed;

        final InputStream input = new BulkInputStream() {
            private final Memory buffer = new Memory(BUFFER);

            @Override
            protected int readBulk(byte[] b, int off, int len) throws IOException {
                while (true) {
                    if (closed) {
                        return -1;
                    }
                    long n = LibC.C.recv(fd, buffer, Math.min(len, BUFFER), 0);
                    if (n > 0) {
                        buffer.read(0, b, off, (int) n);
                        return (int) n;
                    }
                    if (n == 0) {
                        return -1;
                    }
                    int errno = Native.getLastError();
                    if (errno != EINTR) {
                        throw new IOException("vsock recv: errno " + errno);
                    }
                }
            }
        };

        final OutputStream output = new OutputStream() {
            private final Memory buffer = new Memory(BUFFER);

            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (writeLock) {
                    while (len > 0) {
                        if (closed) {
                            throw new IOException("the vsock connection is closed");
                        }
                        int chunk = Math.min(len, BUFFER);
                        buffer.write(0, b, off, chunk);
                        long n = LibC.C.send(fd, buffer, chunk, MSG_NOSIGNAL);
                        if (n < 0) {
                            int errno = Native.getLastError();
                            if (errno == EINTR) {
                                continue;
                            }
                            throw new IOException("vsock send: errno " + errno);
                        }
                        off += (int) n;
                        len -= (int) n;
                    }
                }
            }
        };

        Socket(int fd) {
            this.fd = fd;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            LibC.C.shutdown(fd, SHUT_RDWR);
            // Writers leave send() once the socket is shut down; only then may the number be reused.
            synchronized (writeLock) {
                LibC.C.close(fd);
            }
        }
    }
}
