package io.layerd.servicevm.agent;

import io.layerd.core.io.BulkInputStream;

import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bridge over a virtio-serial port (QEMU): the port whose
 * {@code /sys/class/virtio-ports/vportNpM/name} is the bridge's name, opened once for reading
 * and writing (the driver allows one open at a time).
 *
 * <p>A read while no host is attached to the port returns end-of-file at once instead of
 * blocking. So end-of-file before any byte arrived means "no host yet": the read is retried
 * every {@link #POLL_MILLIS}. End-of-file after bytes arrived means the host went away: the
 * connection ends, and the next one opens the port afresh.
 */
final class VirtioSerialLink implements HostLink {
    static final long POLL_MILLIS = 50;
    /** Reopening waits while a write of the previous connection still holds the port (EBUSY). */
    static final long REOPEN_MILLIS = 200;

    private final Path sysfsRoot;
    private final Path devRoot;
    private final String portName;

    VirtioSerialLink(Path sysfsRoot, Path devRoot, String portName) {
        this.sysfsRoot = sysfsRoot;
        this.devRoot = devRoot;
        this.portName = portName;
    }

    @Override
    public String transportName() {
        return "virtio-serial";
    }

    @Override
    public Connection connect() throws IOException, InterruptedException {
        Path port = waitForPort();
        boolean reported = false;
        while (true) {
            try {
                Port p = new Port(new RandomAccessFile(port.toFile(), "rw"));
                return new Connection(p.input, p.output, "virtio-serial " + port, p);
            } catch (FileNotFoundException e) {
                if (!reported) {
                    AgentLog.line("cannot open " + port + " yet (" + e.getMessage() + "); retrying");
                    reported = true;
                }
                Thread.sleep(REOPEN_MILLIS);
            }
        }
    }

    /** The port's device node, once the virtio console driver has created it. */
    private Path waitForPort() throws IOException, InterruptedException {
        boolean reported = false;
        while (true) {
            Optional<Path> port = findPort();
            if (port.isPresent()) {
                return port.get();
            }
            if (!reported) {
                AgentLog.line("waiting for virtio-serial port \"" + portName + "\" in " + sysfsRoot.resolve("class/virtio-ports"));
                reported = true;
            }
            Thread.sleep(REOPEN_MILLIS);
        }
    }

    Optional<Path> findPort() throws IOException {
        try (DirectoryStream<Path> ports = Files.newDirectoryStream(sysfsRoot.resolve("class/virtio-ports"))) {
            for (Path dir : ports) {
                Path name = dir.resolve("name");
                if (Files.isRegularFile(name) && Files.readString(name, StandardCharsets.UTF_8).trim().equals(portName)) {
                    return Optional.of(devRoot.resolve(dir.getFileName().toString()));
                }
            }
        } catch (NoSuchFileException e) {
            // the driver has not registered any port yet
        }
        return Optional.empty();
    }

    /** One open of the port: both directions on one file descriptor. */
    static final class Port implements Closeable {
        private final RandomAccessFile file;
        private volatile boolean hostGone;
        private volatile boolean closed;
        private boolean sawData;

        final InputStream input = new BulkInputStream() {

            @Override
            protected int readBulk(byte[] b, int off, int len) throws IOException {
                while (!closed) {
                    int n = file.read(b, off, len);
                    if (n > 0) {
                        sawData = true;
                        return n;
                    }
                    if (sawData) {
                        hostGone = true;
                        return -1;
                    }
                    try {
                        Thread.sleep(POLL_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the host");
                    }
                }
                return -1;
            }
        };

        final OutputStream output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                // An answer finished after the host left must not reach whoever connects next.
                if (hostGone || closed) {
                    throw new IOException("the host disconnected from the virtio-serial port");
                }
                file.write(b, off, len);
            }
        };

        Port(RandomAccessFile file) {
            this.file = file;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            file.close();
        }
    }
}
