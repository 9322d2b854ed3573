package io.layerd.servicevm.agent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs the system programs the agent relies on (mke2fs, e2fsck, resize2fs, mount, umount)
 * within a request's deadline: the process is killed when the deadline passes or the request is
 * cancelled, so no program outlives the request that started it.
 */
final class CommandRunner {
    /** Output kept per command: its end, where e2fsck and mount say what went wrong. */
    static final int MAX_OUTPUT_BYTES = 64 << 10;

    private final List<Path> searchPath;

    CommandRunner(List<Path> searchPath) {
        this.searchPath = List.copyOf(searchPath);
    }

    /** Exit code and combined stdout/stderr (its last {@link #MAX_OUTPUT_BYTES}). */
    record Result(int exitCode, String output) {
    }

    /** The program's path on the search path; ENOENT naming the directories searched. */
    Path find(String program) throws AgentException {
        for (Path dir : searchPath) {
            Path p = dir.resolve(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AgentException(Errno.ENOENT, "program " + program + " is not installed (searched "
                + searchPath.stream().map(Path::toString).collect(Collectors.joining(":")) + ")");
    }

    /**
     * Runs {@code program args...} until it exits or the request's deadline passes (ETIMEDOUT).
     * Interruption (cancellation) kills the process and is rethrown.
     */
    Result run(RequestContext context, String program, List<String> args) throws AgentException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(find(program).toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Messages are matched (umount's "target is busy"), so they must not be translated.
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("PATH", searchPath.stream().map(Path::toString).collect(Collectors.joining(":")));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AgentException(Errno.EIO, "cannot start " + program + ": " + e.getMessage(), e);
        }
        OutputCollector output = new OutputCollector(process.getInputStream(), program);
        output.start();
        try {
            if (!process.waitFor(context.remainingMillis(), TimeUnit.MILLISECONDS)) {
                throw new AgentException(Errno.ETIMEDOUT, String.join(" ", command) + " did not finish before the request's deadline"
                        + " and was killed; its output: " + output.text());
            }
            output.join(TimeUnit.SECONDS.toMillis(5));
            return new Result(process.exitValue(), output.text());
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    /** Reads a process's output on its own thread so a chatty program never blocks on a full pipe. */
    private static final class OutputCollector extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean truncated;

        OutputCollector(InputStream in, String program) {
            super("agent-output " + program);
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    append(buffer, n);
                }
            } catch (IOException e) {
                // the process was killed: what was read so far is the output
            }
        }

        private synchronized void append(byte[] b, int n) {
            kept.write(b, 0, n);
            if (kept.size() > 2 * MAX_OUTPUT_BYTES) {
                byte[] all = kept.toByteArray();
                kept.reset();
                kept.write(all, all.length - MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES);
                truncated = true;
            }
        }

        synchronized String text() {
            byte[] all = kept.toByteArray();
            int from = Math.max(0, all.length - MAX_OUTPUT_BYTES);
            String s = new String(all, from, all.length - from, StandardCharsets.UTF_8).strip();
            return truncated || from > 0 ? "[...] " + s : s;
        }
    }
}
