package io.layerd.daemon.cli;

import io.layerd.core.fs.DirectFileInputStream;
import io.layerd.lcow.convert.LayerVhdWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * One {@code layerd convert} to an LCOW {@code layer.vhd}: reads the tar ({@code -} for standard
 * input), writes the image and prints what was made. Free of picocli, so the fast path of
 * {@link ConvertFastPath} and {@link ConvertCommand} run the very same conversion.
 */
record VhdConversion(String input, Path output, LayerVhdWriter.Options options) {
    int run(PrintWriter out, PrintWriter err) throws IOException {
        boolean stdin = input.equals("-");
        ProgressBar bar = ProgressBar.forInput(err, input);
        LayerVhdWriter.Result r;
        try (InputStream raw = stdin ? System.in : DirectFileInputStream.open(Path.of(input));
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
}
