package io.layerd.servicevm.hypervisor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** A bridge transport over a connected loopback socket, for tests that run the agent in-process. */
public final class SocketTransport implements BridgeTransport {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String description;

    public SocketTransport(Socket socket, String description) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.description = description;
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
