package io.layerd.tests.containerd;

import io.layerd.core.plugin.PluginConfig;
import io.layerd.core.snapshot.Info;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.GrpcSnapshotter;
import io.layerd.daemon.config.ConfigLoader;
import io.layerd.daemon.config.DaemonConfig;
import io.layerd.daemon.server.Daemon;
import io.layerd.daemon.BlankScratchTemplates;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A fresh layerd (in this JVM) and a fresh containerd (a child process) per test, with containerd
 * configured to use layerd's {@code lcow} instance as the proxy snapshotter {@value #SNAPSHOTTER}.
 *
 * <p>Register it with {@code @RegisterExtension}. Each test gets its own short directory under
 * /tmp (unix socket paths are limited to 107 bytes). When a test fails, the failure message gets
 * the current step, the last {@code ctr} commands with their output and the tail of containerd's
 * log. The test is skipped (with the reason) when containerd or ctr is not installed or the user is
 * not root.
 */
public final class ContainerdFixture implements BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler, AutoCloseable {
    public static final String SNAPSHOTTER = "lcow";
    /** layerd's CimFS instance, a second proxy snapshotter of the same containerd. */
    public static final String CIMFS_SNAPSHOTTER = "cimfs";
    /** The namespace ctr uses by default; containerd prefixes backend keys with it. */
    public static final String NAMESPACE = "default";
    private static final Duration CTR_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STARTUP_GC_TIMEOUT = Duration.ofSeconds(10);
    /** What containerd logs at debug level after each garbage collection. */
    private static final String GC_DONE = "msg=\"garbage collected\"";
    private static final int TRANSCRIPT_SIZE = 12;
    private static final int LOG_TAIL_LINES = 60;
    private static final String INSTALL_HINT = "install it with `apt-get install containerd` (the Debian package provides both containerd and ctr)";

    private final Deque<CommandResult> transcript = new ArrayDeque<>();
    /** layerd's configuration text; {@code @CONTAINERD@} stands for containerd's socket. */
    private final String layerdConfigText;
    private boolean blankScratchTemplates = true;
    private String step = "setup";
    private Path dir;
    private DaemonConfig layerdConfig;
    private Daemon layerd;
    private Path lcowRoot;
    private Path containerdSocket;
    private Path containerdLog;
    private Process containerd;
    private DaemonChannel channel;
    private GrpcSnapshotter backend;

    /** layerd with its default configuration. */
    public ContainerdFixture() {
        this("");
    }

    /** layerd configured with {@code configText}, where {@code @CONTAINERD@} is containerd's socket path. */
    public ContainerdFixture(String configText) {
        this.layerdConfigText = configText;
    }

    /**
     * Lets layerd format its scratch templates in the service VM (configure {@code [servicevm]}),
     * as a real daemon does, instead of seeding blank ones.
     */
    public ContainerdFixture formattingScratchInServiceVm() {
        blankScratchTemplates = false;
        return this;
    }

    /** The layerd daemon running in this JVM. */
    public Daemon layerdDaemon() {
        return layerd;
    }

    /** containerd's socket. */
    public Path containerdSocket() {
        return containerdSocket;
    }

    /** layerd's socket. */
    public Path layerdSocket() {
        return layerd.address();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        String test = context.getDisplayName();
        Assumptions.assumeTrue(Commands.onPath("containerd"),
                "containerd is not on PATH, so " + test + " cannot run: " + INSTALL_HINT);
        Assumptions.assumeTrue(Commands.onPath("ctr"),
                "ctr (containerd's CLI) is not on PATH, so " + test + " cannot run: " + INSTALL_HINT);
        Assumptions.assumeTrue(uid() == 0,
                "containerd needs root and this JVM runs as uid " + uid() + ", so " + test
                        + " cannot run: run the build as root (and " + INSTALL_HINT + " if missing)");
        startWithDiagnostics();
        step = "test body";
    }

    private void startWithDiagnostics() {
        try {
            start();
        } catch (Throwable t) {
            AssertionFailedError reported = withDiagnostics(t);
            stop();
            throw reported;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stop();
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        if (throwable instanceof TestAbortedException) {
            throw throwable;
        }
        throw withDiagnostics(throwable);
    }

    /**
     * Starts layerd and containerd outside JUnit (benchmarks); {@link #close} stops them. A
     * failure carries the same diagnostics a test failure gets.
     */
    public ContainerdFixture open() {
        startWithDiagnostics();
        step = "running";
        return this;
    }

    /** Stops what {@link #open} started and deletes its directory. */
    @Override
    public void close() {
        stop();
    }

    // ---------------------------------------------------------------- what tests use

    /** Names the step the test is in; a failure message says which step failed. */
    public void step(String name) {
        step = name;
    }

    /** {@code ctr -a <containerd socket> <args>}, recorded for failure messages. */
    public CommandResult ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", containerdSocket.toString()));
        cmd.addAll(List.of(args));
        CommandResult r = Commands.run(CTR_TIMEOUT, cmd);
        transcript.addLast(r);
        while (transcript.size() > TRANSCRIPT_SIZE) {
            transcript.removeFirst();
        }
        if (r.timedOut()) {
            fail("ctr did not finish within " + CTR_TIMEOUT.toSeconds() + " s:\n" + r.describe());
        }
        return r;
    }

    /** {@code ctr snapshots --snapshotter lcow <args>}: may fail; check the result. */
    public CommandResult snapshots(String... args) {
        List<String> cmd = new ArrayList<>(List.of("snapshots", "--snapshotter", SNAPSHOTTER));
        cmd.addAll(List.of(args));
        return ctr(cmd.toArray(String[]::new));
    }

    /** {@code ctr snapshots --snapshotter lcow <args>} that must exit 0 with nothing on stderr. */
    public CommandResult snapshotsOk(String... args) {
        CommandResult r = snapshots(args);
        assertEquals(0, r.exitCode(), () -> "ctr snapshots " + String.join(" ", args) + " must succeed:\n" + r.describe());
        assertEquals("", r.stderr(), () -> "ctr snapshots " + String.join(" ", args) + " must print nothing on stderr:\n" + r.describe());
        return r;
    }

    /** layerd's data root. */
    public Path layerdRoot() {
        return layerdConfig.root();
    }

    /** Where layerd's {@code lcow} instance keeps one directory per active/committed snapshot. */
    public Path snapshotsDir() {
        return lcowRoot.resolve("snapshots");
    }

    /** The entries of {@link #snapshotsDir()}, sorted. */
    public List<Path> snapshotDirs() {
        if (!Files.isDirectory(snapshotsDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(snapshotsDir())) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Snapshots-service client to layerd's {@code lcow} instance, bypassing containerd. */
    public GrpcSnapshotter layerd() {
        return backend;
    }

    /** Everything layerd's {@code lcow} instance stores, under containerd's backend keys. */
    public List<Info> layerdSnapshots() {
        return backend.list(List.of());
    }

    /**
     * The snapshot layerd stores for containerd's key {@code key}: containerd names backend
     * snapshots {@code <namespace>/<sequence>/<key>}.
     */
    public Optional<Info> layerdSnapshot(String key) {
        List<Info> matches = layerdSnapshots().stream()
                .filter(i -> i.name().matches(Pattern.quote(NAMESPACE) + "/\\d+/" + Pattern.quote(key)))
                .toList();
        if (matches.size() > 1) {
            fail("layerd stores " + matches.size() + " snapshots for containerd key " + key + ": " + matches);
        }
        return matches.stream().findFirst();
    }

    /** Polls {@code condition} every 50 ms until it holds; fails after {@code timeout}. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            sleep(50);
        }
    }

    /** The current step, the last ctr commands and the tail of containerd's log. */
    public String diagnostics() {
        StringBuilder b = new StringBuilder();
        b.append("==== failed in step: ").append(step).append('\n');
        b.append("==== test directory: ").append(dir).append('\n');
        b.append("==== last ").append(transcript.size()).append(" ctr command(s), oldest first:\n");
        transcript.forEach(r -> b.append(r.describe()).append('\n'));
        b.append("==== containerd log");
        if (containerdLog != null && Files.exists(containerdLog)) {
            try {
                // the plugin-loading lines of every boot say nothing about a failure; leave them out
                List<String> lines = Files.readAllLines(containerdLog, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.contains("msg=\"loading plugin ")).toList();
                List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
                b.append(" (last ").append(tail.size()).append(" of ").append(lines.size()).append(" lines other than 'loading plugin', ")
                        .append(containerdLog).append("):\n");
                tail.forEach(l -> b.append("  ").append(l).append('\n'));
            } catch (IOException e) {
                b.append(": cannot read ").append(containerdLog).append(": ").append(e).append('\n');
            }
        } else {
            b.append(": none written\n");
        }
        if (containerd != null && !containerd.isAlive()) {
            b.append("==== containerd has exited with code ").append(containerd.exitValue()).append('\n');
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- lifecycle

    private void start() throws IOException, InterruptedException {
        step = "setup: create a short test directory";
        dir = Files.createTempDirectory(Path.of("/tmp"), "ldit");
        Path ctd = Files.createDirectories(dir.resolve("ctd"));
        containerdSocket = ctd.resolve("c.sock");
        containerdLog = ctd.resolve("containerd.log");

        step = "setup: start layerd in-process";
        layerdConfig = ConfigLoader.parse(layerdConfigText.replace("@CONTAINERD@", containerdSocket.toString()), dir.resolve("ld"),
                "ContainerdFixture");
        lcowRoot = layerdConfig.plugins().stream().filter(p -> p.name().equals(SNAPSHOTTER)).map(PluginConfig::root)
                .findFirst().orElseThrow(() -> new AssertionError("layerd's default config has no " + SNAPSHOTTER + " instance: " + layerdConfig));
        for (Path socket : List.of(layerdConfig.address(), containerdSocket.resolveSibling("c.sock.ttrpc"))) {
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
                fail("socket path " + socket + " is too long for a unix socket (limit 107 bytes)");
            }
        }
        layerd = Daemon.start(blankScratchTemplates ? BlankScratchTemplates.seed(layerdConfig) : layerdConfig);
        channel = new DaemonChannel(layerd.address());
        backend = new GrpcSnapshotter(channel.channel(), SNAPSHOTTER, NAMESPACE);

        step = "setup: start containerd with layerd as proxy snapshotter " + SNAPSHOTTER;
        Path config = ctd.resolve("config.toml");
        Files.writeString(config, String.join("\n",
                "version = 2",
                "root = \"" + ctd.resolve("root") + "\"",
                "state = \"" + ctd.resolve("state") + "\"",
                // no CRI: it wants a CNI setup and a runc; this test needs only the snapshots service
                "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
                "[grpc]",
                "  address = \"" + containerdSocket + "\"",
                "[debug]",
                "  level = \"debug\"",
                "[proxy_plugins." + SNAPSHOTTER + "]",
                "  type = \"snapshot\"",
                "  address = \"" + layerd.address() + "\"",
                "[proxy_plugins." + CIMFS_SNAPSHOTTER + "]",
                "  type = \"snapshot\"",
                "  address = \"" + layerd.address() + "\"",
                ""));
        containerd = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(containerdLog.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();

        step = "setup: wait until containerd answers on " + containerdSocket;
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (true) {
            if (!containerd.isAlive()) {
                fail("containerd exited with code " + containerd.exitValue() + " before its socket answered");
            }
            if (Files.exists(containerdSocket)) {
                CommandResult version = Commands.run(Duration.ofSeconds(5), List.of("ctr", "-a", containerdSocket.toString(), "version"));
                if (version.ok()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("containerd did not answer within " + BOOT_TIMEOUT.toSeconds() + " s:\n" + version.describe());
                }
            } else if (System.nanoTime() > deadline) {
                fail("containerd created no socket " + containerdSocket + " within " + BOOT_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }

        // containerd runs one garbage collection shortly (startup_delay, 100 ms) after booting. A
        // snapshot without a gc.root label — any view made with ctr — that exists by then is
        // collected, so let that first collection pass before the test creates anything. The debug
        // log says when it has run.
        step = "setup: wait for containerd's startup garbage collection";
        long gcDeadline = System.nanoTime() + STARTUP_GC_TIMEOUT.toNanos();
        while (!containerdLogContains(GC_DONE)) {
            if (System.nanoTime() > gcDeadline) {
                fail("containerd logged no " + GC_DONE + " within " + STARTUP_GC_TIMEOUT.toSeconds()
                        + " s of booting; its startup GC could later remove views this test creates");
            }
            Thread.sleep(20);
        }
    }

    private boolean containerdLogContains(String text) throws IOException {
        return Files.readString(containerdLog, StandardCharsets.UTF_8).contains(text);
    }

    private void stop() {
        if (containerd != null) {
            containerd.destroy();
            try {
                if (!containerd.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    containerd.destroyForcibly();
                    containerd.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                containerd.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (channel != null) {
            channel.close();
            channel = null;
        }
        if (layerd != null) {
            layerd.close();
            layerd = null;
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover under /tmp is not worth failing the test over
                }
            });
        } catch (IOException e) {
            // best effort, as above
        }
    }

    private AssertionFailedError withDiagnostics(Throwable t) {
        String message = (t.getMessage() == null ? t.toString() : t.getMessage()) + "\n\n" + diagnostics();
        AssertionFailedError e = t instanceof AssertionFailedError a && a.isExpectedDefined() && a.isActualDefined()
                ? new AssertionFailedError(message, a.getExpected().getValue(), a.getActual().getValue(), t)
                : new AssertionFailedError(message, t);
        e.setStackTrace(t.getStackTrace());
        return e;
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
