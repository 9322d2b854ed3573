package io.layerd.daemon.cli;

import io.layerd.api.servicevm.v1.FileInfo;
import io.layerd.core.errors.LayerdException;
import io.layerd.core.tar.DirectoryTarWriter;
import io.layerd.core.tar.TarWriter;
import io.layerd.core.io.ProducerInputStream;
import io.layerd.daemon.client.DaemonChannel;
import io.layerd.daemon.client.SnapshotFilesClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code layerd snapshot ls|stat|cat|cp-in|cp-out|rm|mv}: files inside a snapshot as the
 * container sees them, read and changed through the daemon's service VM.
 */
final class SnapshotFilesCommands {
    private SnapshotFilesCommands() {
    }

    /** Options and parameters every file command has: the daemon, the snapshotter and the key. */
    abstract static class FileCommand implements Callable<Integer> {
        @Mixin
        AddressOption address;
        @Parameters(index = "0", paramLabel = "SNAPSHOTTER", description = "instance name, e.g. lcow")
        String snapshotter;
        @Parameters(index = "1", paramLabel = "KEY", description = "snapshot key as `layerd snapshot list` shows it")
        String key;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (DaemonChannel ch = new DaemonChannel(address.address)) {
                return run(new SnapshotFilesClient(ch.channel(), snapshotter, key), spec.commandLine().getOut());
            }
        }

        abstract int run(SnapshotFilesClient files, PrintWriter out) throws IOException;
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory of a snapshot.")
    static final class Ls extends FileCommand {
        @Parameters(index = "2", arity = "0..1", paramLabel = "PATH", description = "directory (default: the root)")
        String path = "";

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) {
            Table table = new Table("MODE", "UID", "GID", "SIZE", "MODIFIED", "NAME");
            for (FileInfo f : files.list(path)) {
                table.row(modeText(f), Integer.toString(f.getUid()), Integer.toString(f.getGid()), Long.toString(f.getSize()),
                        Instant.ofEpochSecond(0, f.getMtimeNanos()).toString(),
                        f.getName() + (f.getType().equals("symlink") ? " -> " + f.getLinkTarget() : ""));
            }
            table.print(out);
            return 0;
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show a file's type, mode, owner, size and time.")
    static final class Stat extends FileCommand {
        @Parameters(index = "2..*", arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) {
            for (String p : paths) {
                FileInfo f = files.stat(p);
                out.printf(Locale.ROOT, "%s: %s %s uid=%d gid=%d size=%d links=%d modified=%s%s%n", p, f.getType(), modeText(f),
                        f.getUid(), f.getGid(), f.getSize(), f.getNlink(), Instant.ofEpochSecond(0, f.getMtimeNanos()),
                        f.getType().equals("symlink") ? " -> " + f.getLinkTarget() : "");
            }
            return 0;
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write files of a snapshot to standard output.")
    static final class Cat extends FileCommand {
        @Parameters(index = "2..*", arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) throws IOException {
            OutputStream stdout = binaryStdout(out);
            for (String p : paths) {
                files.read(p, stdout);
            }
            return 0;
        }
    }

    @Command(name = "cp-in", mixinStandardHelpOptions = true, description = {
            "Copy host files into an active snapshot, with owners, modes, times, extended attributes and hard links.",
            "SOURCE becomes DEST (a directory merges into an existing one); SOURCE '-' reads a tar from standard input",
            "and unpacks it under the directory DEST."})
    static final class CpIn extends FileCommand {
        @Parameters(index = "2", paramLabel = "SOURCE", description = "host file or directory, or - for a tar on standard input")
        String source;
        @Parameters(index = "3", paramLabel = "DEST", description = "path in the snapshot")
        String dest;

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) throws IOException {
            long bytes;
            if (source.equals("-")) {
                bytes = files.extractTar(dest, System.in);
            } else {
                Path from = Path.of(source);
                if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                    throw LayerdException.notFound("%s: no such file or directory on this host", from);
                }
                String target = trimSlashes(dest);
                if (target.isEmpty()) {
                    throw LayerdException.invalidArgument("DEST must name a path below the snapshot's root; "
                            + "to unpack into the root, pass a tar on standard input with SOURCE -");
                }
                int slash = target.lastIndexOf('/');
                String parent = slash < 0 ? "" : target.substring(0, slash);
                String name = target.substring(slash + 1);
                try (InputStream tar = new ProducerInputStream("archive of " + from, o -> {
                    TarWriter w = new TarWriter(o);
                    new DirectoryTarWriter(w).write(from, name);
                    w.finish();
                })) {
                    bytes = files.extractTar(parent, tar);
                }
            }
            spec.commandLine().getErr().printf(Locale.ROOT, "copied %d bytes of tar into %s%n", bytes, dest);
            return 0;
        }
    }

    @Command(name = "cp-out", mixinStandardHelpOptions = true, description = {
            "Copy a file or directory out of a snapshot. A file is written to DEST; a directory is unpacked into DEST",
            "with the host's tar (owners, modes, extended attributes kept when run as root). DEST '-' writes a file's",
            "bytes, or a directory's tar, to standard output."})
    static final class CpOut extends FileCommand {
        @Parameters(index = "2", paramLabel = "SOURCE", description = "path in the snapshot")
        String source;
        @Parameters(index = "3", paramLabel = "DEST", description = "host path, or -")
        String dest;

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) throws IOException {
            FileInfo f = files.stat(source);
            boolean directory = f.getType().equals("dir");
            if (!directory && !f.getType().equals("file")) {
                throw LayerdException.invalidArgument("%s is a %s; cp-out copies files and directories", source, f.getType());
            }
            if (dest.equals("-")) {
                OutputStream stdout = binaryStdout(out);
                if (directory) {
                    files.exportTar(source, stdout);
                } else {
                    files.read(source, stdout);
                }
                return 0;
            }
            Path to = Path.of(dest);
            if (directory) {
                unpackWithHostTar(files, to);
            } else {
                writeFile(files, to, f.getMode());
            }
            return 0;
        }

        private void writeFile(SnapshotFilesClient files, Path to, int mode) throws IOException {
            Path dir = to.toAbsolutePath().getParent();
            Path temp = Files.createTempFile(dir, ".layerd-cp-", ".part");
            try {
                try (OutputStream o = Files.newOutputStream(temp)) {
                    files.read(source, o);
                }
                Files.setAttribute(temp, "unix:mode", mode & 07777);
                Files.move(temp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        }

        private void unpackWithHostTar(SnapshotFilesClient files, Path to) throws IOException {
            Files.createDirectories(to);
            Process tar = new ProcessBuilder("tar", "-x", "-p", "--xattrs", "--xattrs-include=*", "--numeric-owner",
                    "-f", "-", "-C", to.toString()).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (OutputStream in = tar.getOutputStream()) {
                files.exportTar(source, in);
            }
            try {
                int exit = tar.waitFor();
                if (exit != 0) {
                    throw new IOException("the host's tar failed (exit " + exit + ") unpacking " + source + " into " + to);
                }
            } catch (InterruptedException e) {
                tar.destroy();
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove files of an active snapshot (a lower layer's file is hidden by a whiteout).")
    static final class Rm extends FileCommand {
        @Option(names = {"-r", "--recursive"}, description = "remove directories with their contents")
        boolean recursive;
        @Parameters(index = "2..*", arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) {
            for (String p : paths) {
                files.remove(p, recursive);
            }
            return 0;
        }
    }

    @Command(name = "mv", mixinStandardHelpOptions = true, description = "Rename a file or directory of an active snapshot.")
    static final class Mv extends FileCommand {
        @Parameters(index = "2", paramLabel = "FROM")
        String from;
        @Parameters(index = "3", paramLabel = "TO")
        String to;

        @Override
        int run(SnapshotFilesClient files, PrintWriter out) {
            files.rename(from, to);
            return 0;
        }
    }

    /** Standard output for bytes, after what the command printed as text so far. */
    private static OutputStream binaryStdout(PrintWriter text) {
        text.flush();
        return new FileOutputStream(java.io.FileDescriptor.out);
    }

    private static String trimSlashes(String p) {
        String s = p;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** {@code ls -l}'s mode column. */
    static String modeText(FileInfo f) {
        char type = switch (f.getType()) {
            case "dir" -> 'd';
            case "symlink" -> 'l';
            case "char" -> 'c';
            case "block" -> 'b';
            case "fifo" -> 'p';
            case "socket" -> 's';
            default -> '-';
        };
        int m = f.getMode();
        StringBuilder b = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            b.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        if ((m & 04000) != 0) {
            b.setCharAt(3, (m & 0100) != 0 ? 's' : 'S');
        }
        if ((m & 02000) != 0) {
            b.setCharAt(6, (m & 010) != 0 ? 's' : 'S');
        }
        if ((m & 01000) != 0) {
            b.setCharAt(9, (m & 01) != 0 ? 't' : 'T');
        }
        return b.toString();
    }
}
