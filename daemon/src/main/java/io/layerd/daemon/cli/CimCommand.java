package io.layerd.daemon.cli;

import io.layerd.cimfs.format.FileEntry;
import io.layerd.cimfs.format.Stream;
import io.layerd.cimfs.image.CimReader;
import io.layerd.cimfs.image.CimReader.CimFile;
import io.layerd.cimfs.wclayer.ExtendedAttributes;
import io.layerd.cimfs.wclayer.FileTimes;
import io.layerd.cimfs.wclayer.ReparsePoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code layerd cim ls|stat|cat|tree}: read a CIM image (and its parents) without mounting it. */
@Command(name = "cim", mixinStandardHelpOptions = true,
        description = {"Read a CIM (Composite Image) file and the images it was forked from, as layerd's CimReader sees it.",
                "Paths inside the image use \\ or /, case-insensitively."},
        subcommands = {CimCommand.Ls.class, CimCommand.Stat.class, CimCommand.Cat.class, CimCommand.Tree.class})
final class CimCommand {
    private static final String[] ATTRIBUTE_LETTERS = {"R", "H", "S", "", "D", "A", "", "", "", "P", "L"};

    /** "RHS-DA" style letters of the Win32 attributes a CIM keeps. */
    static String attributes(int a) {
        StringBuilder b = new StringBuilder();
        for (int bit = 0; bit < ATTRIBUTE_LETTERS.length; bit++) {
            if (!ATTRIBUTE_LETTERS[bit].isEmpty()) {
                b.append((a & (1 << bit)) != 0 ? ATTRIBUTE_LETTERS[bit] : "-");
            }
        }
        return b.toString();
    }

    static CimFile find(CimReader r, Path image, String path) throws IOException {
        return r.lookup(path).orElseThrow(() -> new IOException(image + ": no \"" + path + "\" in the image"));
    }

    static String size(CimFile f) {
        return f.entry().isDirectory() ? "-" : Long.toString(f.entry().defaultStream().size());
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory of the image (default: its root).")
    static final class Ls implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IMAGE.cim")
        Path image;
        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH")
        String path = "";
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (CimReader r = CimReader.open(image)) {
                CimFile dir = find(r, image, path);
                if (!dir.entry().isDirectory()) {
                    throw new IOException(image + ": \"" + path + "\" is not a directory");
                }
                Table t = new Table("ATTR", "SIZE", "MODIFIED", "NAME");
                for (Map.Entry<String, CimFile> e : r.list(dir).entrySet()) {
                    FileEntry fe = e.getValue().entry();
                    t.row(attributes(fe.attributes()), size(e.getValue()), FileTimes.toInstant(fe.lastWriteTime()).toString(),
                            e.getKey() + link(r, e.getValue()));
                }
                t.print(out);
            }
            out.flush();
            return 0;
        }
    }

    static String link(CimReader r, CimFile f) throws IOException {
        byte[] reparse = r.reparseData(f);
        if (reparse.length == 0) {
            return "";
        }
        try {
            ReparsePoint p = ReparsePoint.decode(reparse);
            return (p.mountPoint() ? " => " : " -> ") + p.target();
        } catch (IllegalArgumentException e) {
            return String.format(" (reparse tag 0x%08X)", f.entry().reparseTag());
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true, description = "Everything the image records about one file.")
    static final class Stat implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IMAGE.cim")
        Path image;
        @Parameters(index = "1", paramLabel = "PATH")
        String path;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (CimReader r = CimReader.open(image)) {
                CimFile f = find(r, image, path);
                FileEntry e = f.entry();
                out.printf("path:          %s%n", path);
                out.printf("file id:       %d%n", f.id());
                out.printf("attributes:    0x%08X %s%n", e.attributes(), attributes(e.attributes()));
                out.printf("size:          %s%n", size(f));
                out.printf("created:       %s%n", FileTimes.toInstant(e.creationTime()));
                out.printf("modified:      %s%n", FileTimes.toInstant(e.lastWriteTime()));
                out.printf("changed:       %s%n", FileTimes.toInstant(e.changeTime()));
                out.printf("accessed:      %s%n", FileTimes.toInstant(e.lastAccessTime()));
                byte[] sd = r.securityDescriptor(f);
                out.printf("security:      %d bytes %s%n", sd.length, HexFormat.of().formatHex(sd));
                for (Map.Entry<String, byte[]> ea : ExtendedAttributes.decode(r.extendedAttributes(f)).entrySet()) {
                    out.printf("EA:            %s = %s%n", ea.getKey(), HexFormat.of().formatHex(ea.getValue()));
                }
                String link = link(r, f);
                if (!link.isEmpty()) {
                    out.printf("reparse:       %s%n", link.substring(1));
                }
                for (Map.Entry<String, Stream> s : r.alternateStreams(f).entrySet()) {
                    out.printf("stream:        :%s (%d bytes)%n", s.getKey(), s.getValue().size());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true,
            description = "Write a file's bytes (PATH:STREAM for an alternate data stream) to standard output.")
    static final class Cat implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IMAGE.cim")
        Path image;
        @Parameters(index = "1", paramLabel = "PATH[:STREAM]")
        String path;

        @Override
        public Integer call() throws Exception {
            int colon = path.indexOf(':', Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
            try (CimReader r = CimReader.open(image)) {
                CimFile f = find(r, image, colon < 0 ? path : path.substring(0, colon));
                InputStream in;
                if (colon >= 0) {
                    Stream s = r.alternateStreams(f).get(path.substring(colon + 1));
                    if (s == null) {
                        throw new IOException(image + ": \"" + path.substring(0, colon) + "\" has no stream \"" + path.substring(colon + 1) + "\"");
                    }
                    in = r.open(s);
                } else if (f.entry().isDirectory()) {
                    throw new IOException(image + ": \"" + path + "\" is a directory");
                } else {
                    in = r.open(f);
                }
                OutputStream out = System.out;
                try (in) {
                    in.transferTo(out);
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "tree", mixinStandardHelpOptions = true, description = "Every path below a directory (default: the root), one per line.")
    static final class Tree implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IMAGE.cim")
        Path image;
        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH")
        String path = "";
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (CimReader r = CimReader.open(image)) {
                walk(r, find(r, image, path), path.isEmpty() ? "" : path.replace('/', '\\') + "\\", out);
            }
            out.flush();
            return 0;
        }

        private static void walk(CimReader r, CimFile dir, String prefix, PrintWriter out) throws IOException {
            for (Map.Entry<String, CimFile> e : r.list(dir).entrySet()) {
                CimFile f = e.getValue();
                out.printf("%s %10s  %s%s%n", attributes(f.entry().attributes()), size(f), prefix + e.getKey(), link(r, f));
                if (f.entry().isDirectory() && f.entry().reparseTag() == 0) {
                    walk(r, f, prefix + e.getKey() + "\\", out);
                }
            }
        }
    }
}
