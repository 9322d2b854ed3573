package io.layerd.servicevm.qemu;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * QEMU Machine Protocol over a unix socket: one JSON object a line. Commands carry an id and
 * are matched to their {@code return}/{@code error}; events are kept for waiters.
 */
final class QmpClient implements AutoCloseable {
    private final UnixSocketStreams socket;
    private final OutputStream out;
    private final Map<String, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<EventWaiter> waiters = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread reader;
    private final CompletableFuture<JsonObject> greeting = new CompletableFuture<>();
    private volatile IOException closed;

    /** An error QEMU returned for a command. */
    static final class QmpException extends IOException {
        QmpException(String command, JsonObject error) {
            super("QEMU refused " + command + ": " + (error.has("desc") ? error.get("desc").getAsString() : error.toString()));
        }
    }

    private record EventWaiter(Predicate<JsonObject> match, CompletableFuture<JsonObject> future) {
    }

    private QmpClient(UnixSocketStreams socket) {
        this.socket = socket;
        this.out = socket.output();
        this.reader = new Thread(this::readLoop, "qmp " + socket.describe());
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects, reads the greeting and leaves capabilities negotiation mode. */
    static QmpClient connect(Path path, Duration timeout) throws IOException {
        QmpClient qmp = new QmpClient(UnixSocketStreams.connect(path, "qmp " + path));
        try {
            qmp.greeting.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            qmp.execute("qmp_capabilities", null, timeout);
            return qmp;
        } catch (TimeoutException e) {
            qmp.close();
            throw new IOException("QEMU sent no QMP greeting on " + path + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            qmp.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        } catch (ExecutionException | IOException e) {
            qmp.close();
            throw e instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Runs a command and returns its {@code return} value. */
    JsonElement execute(String command, JsonObject arguments, Duration timeout) throws IOException {
        IOException c = closed;
        if (c != null) {
            throw new IOException("QMP connection is closed: " + c.getMessage(), c);
        }
        String id = "c" + ids.incrementAndGet();
        JsonObject message = new JsonObject();
        message.addProperty("execute", command);
        if (arguments != null) {
            message.add("arguments", arguments);
        }
        message.addProperty("id", id);
        CompletableFuture<JsonObject> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            synchronized (out) {
                out.write((message + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            JsonObject r = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (r.has("error")) {
                throw new QmpException(command, r.getAsJsonObject("error"));
            }
            return r.get("return");
        } catch (TimeoutException e) {
            throw new IOException("QEMU did not answer " + command + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for QEMU");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? new IOException(io.getMessage(), io) : new IOException(e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** Registers interest in an event before triggering it, so it cannot be missed. */
    CompletableFuture<JsonObject> expectEvent(String event, Predicate<JsonObject> data) {
        CompletableFuture<JsonObject> f = new CompletableFuture<>();
        EventWaiter w = new EventWaiter(m -> event.equals(m.get("event").getAsString())
                && data.test(m.has("data") ? m.getAsJsonObject("data") : new JsonObject()), f);
        waiters.add(w);
        f.whenComplete((r, e) -> waiters.remove(w));
        return f;
    }

    private void readLoop() {
        IOException end = new IOException("QEMU closed the QMP socket");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.input(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonObject m = JsonParser.parseString(line).getAsJsonObject();
                if (m.has("QMP")) {
                    greeting.complete(m);
                } else if (m.has("event")) {
                    for (EventWaiter w : waiters) {
                        if (w.match().test(m)) {
                            w.future().complete(m);
                        }
                    }
                } else if (m.has("id")) {
                    CompletableFuture<JsonObject> f = pending.get(m.get("id").getAsString());
                    if (f != null) {
                        f.complete(m);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            end = new IOException("QMP connection failed: " + e.getMessage(), e);
        }
        closed = end;
        greeting.completeExceptionally(end);
        for (CompletableFuture<JsonObject> f : pending.values()) {
            f.completeExceptionally(end);
        }
        for (EventWaiter w : waiters) {
            w.future().completeExceptionally(end);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
