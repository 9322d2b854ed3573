package io.layerd.daemon.cli;

import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.ext4.Ext4Writer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code layerd convert}: a layer tar (plain, gzip or zstd) to an LCOW {@code layer.vhd}. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a layer tar (plain, gzip or zstd, detected from its bytes) into an LCOW layer:",
                "an ext4 image with OCI whiteouts as overlay whiteouts, optional dm-verity tree, and a fixed VHD footer.",
                "Prints the diffID (sha256 of the uncompressed tar), the image size and the verity root hash."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = {"-i", "--input"}, required = true, paramLabel = "TAR", description = "layer tar, or - for standard input")
    String input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "layer file to write (e.g. layer.vhd)")
    Path output;

    @Option(names = "--no-whiteout-conversion", description = "keep .wh.* files verbatim instead of overlay whiteouts")
    boolean keepWhiteouts;

    @Option(names = "--verity", description = "append a dm-verity hash tree (SHA-256) and print its root hash")
    boolean verity;

    @Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "128G", converter = SizeConverter.class,
            description = "largest image allowed (default: ${DEFAULT-VALUE})")
    long maxSize;

    @Option(names = "--inline-data", description = "store regular files of up to 60 bytes inside their inodes")
    boolean inlineData;

    @Option(names = "--no-vhd-footer", description = "write the bare image without the 512-byte VHD footer")
    boolean noFooter;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean stdin = input.equals("-");
        long total = stdin ? -1 : Files.size(Path.of(input));
        ProgressBar bar = new ProgressBar(err, ProgressBar.isTerminal(), "converting", total);
        var options = new LayerVhdWriter.Options(!keepWhiteouts, verity, !noFooter, new Ext4Writer.Options(maxSize, inlineData));
        LayerVhdWriter.Result r;
        try (InputStream raw = stdin ? System.in : Files.newInputStream(Path.of(input));
             InputStream counted = new ProgressStream(raw, bar)) {
            r = LayerVhdWriter.write(counted, output, options, n -> { });
        } finally {
            bar.finish();
        }
        out.println("diffID:       " + r.diffId());
        out.println("tar size:     " + r.tarBytes() + " bytes");
        out.println("image size:   " + r.ext4Bytes() + " bytes (ext4)");
        out.println("file size:    " + r.fileBytes() + " bytes (" + output + ")");
        if (r.verityRoot() != null) {
            out.println("verity root:  " + r.verityRoot());
        }
        out.flush();
        return 0;
    }

    /** Counts the input bytes consumed (compressed, as stored) for the progress bar. */
    private static final class ProgressStream extends FilterInputStream {
        private final ProgressBar bar;
        private long count;

        ProgressStream(InputStream in, ProgressBar bar) {
            super(in);
            this.bar = bar;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
                bar.update(count);
            }
            return n;
        }
    }
}
