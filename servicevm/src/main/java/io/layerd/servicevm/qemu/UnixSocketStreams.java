package io.layerd.servicevm.qemu;

import io.layerd.core.io.BulkInputStream;
import io.layerd.servicevm.hypervisor.BridgeTransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Streams over a connected unix socket. Not {@code Channels.newInputStream}: its streams lock
 * the channel for a whole blocking read, so a writer would wait for the reader's next byte.
 */
final class UnixSocketStreams implements BridgeTransport {
    private final SocketChannel channel;
    private final String description;
    private final InputStream input;
    private final OutputStream output;

    private UnixSocketStreams(SocketChannel channel, String description) {
        this.channel = channel;
        this.description = description;
        this.input = new BulkInputStream() {

            @Override
            protected int readBulk(byte[] b, int off, int len) throws IOException {
                return channel.read(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
        this.output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    static UnixSocketStreams connect(Path socket, String description) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new UnixSocketStreams(channel, description);
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

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
