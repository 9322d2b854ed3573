package io.layerd.daemon.cli;

import io.layerd.cimfs.image.CimFiles;
import io.layerd.cimfs.image.CimWriterFactory;
import io.layerd.cimfs.wclayer.LayerBlob;
import io.layerd.cimfs.wclayer.WindowsLayerImporter;
import io.layerd.core.fs.DirectFileInputStream;
import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.ext4.Ext4Writer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code layerd convert}: a layer tar (plain, gzip or zstd) to an LCOW {@code layer.vhd}, or a Windows layer tar to a CIM. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a layer tar (plain, gzip or zstd, detected from its bytes) into an LCOW layer:",
                "an ext4 image with OCI whiteouts as overlay whiteouts, optional dm-verity tree, and a fixed VHD footer.",
                "Prints the diffID (sha256 of the uncompressed tar), the image size and the verity root hash.",
                "With --format cim: a Windows layer tar into one CIM (layerd's portable CIM writer)."})
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

    @Option(names = "--format", defaultValue = "vhd", paramLabel = "vhd|cim",
            description = {"vhd: an LCOW layer.vhd (default); cim: a Windows layer tar into one CIM (--output NAME.cim),",
                    "forked from --parent when given, registry hives and the layout marker into --layer-dir"})
    String format;

    @Option(names = "--parent", paramLabel = "PARENT.cim", description = "cim format: the parent layer's CIM, in the output's directory")
    Path parent;

    @Option(names = "--layer-dir", paramLabel = "DIR",
            description = "cim format: the layer's host directory (hives, layout marker; default: the output path without .cim)")
    Path layerDir;

    @Option(names = "--parent-layer-dir", paramLabel = "DIR", description = "cim format: the parent layer's host directory (its base hives)")
    Path parentLayerDir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        switch (format) {
            case "vhd" -> {
                return new VhdConversion(input, output, vhdOptions()).run(out, err);
            }
            case "cim" -> {
                return toCim(out, err);
            }
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--format must be vhd or cim, not \"" + format + "\"");
        }
    }

    /** The vhd conversion's options as parsed (package-private: the fast path is tested against it). */
    LayerVhdWriter.Options vhdOptions() {
        return new LayerVhdWriter.Options(!keepWhiteouts, verity, !noFooter, new Ext4Writer.Options(maxSize, inlineData));
    }

    private int toCim(PrintWriter out, PrintWriter err) throws IOException {
        boolean stdin = input.equals("-");
        ProgressBar bar = ProgressBar.forInput(err, input);
        Path cim = output.toAbsolutePath();
        String name = cim.getFileName().toString();
        if (!name.endsWith(".cim")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--format cim: --output must name a .cim file");
        }
        if (parent != null && !parent.toAbsolutePath().getParent().equals(cim.getParent())) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--parent must be in the output's directory (a CIM is forked in place): " + parent);
        }
        Path dir = layerDir != null ? layerDir : cim.resolveSibling(name.substring(0, name.length() - ".cim".length()));
        boolean createdDir = !Files.exists(dir);
        Files.createDirectories(dir);
        WindowsLayerImporter.Result r;
        LayerBlob blob;
        try (InputStream raw = stdin ? System.in : DirectFileInputStream.open(Path.of(input));
             LayerBlob tar = LayerBlob.open(new ProgressStream(raw, bar))) {
            blob = tar;
            r = new WindowsLayerImporter(CimWriterFactory.PORTABLE, java.util.Optional.empty()).importLayer(tar.tar(),
                    new WindowsLayerImporter.Target(cim.getParent(), name, parent == null ? null : parent.getFileName().toString(), dir,
                            parentLayerDir), tar.check(() -> { }));
        } catch (IOException | RuntimeException e) {
            if (createdDir) {
                Files.deleteIfExists(dir); // the importer left nothing in it: no output at all
            }
            throw e;
        } finally {
            bar.finish();
        }
        out.println("diffID:       " + blob.diffId());
        out.println("tar size:     " + blob.size() + " bytes");
        out.println("entries:      " + r.entries() + " (" + r.fileBytes() + " bytes of file data)");
        out.println("image:        " + cim + (parent == null ? "" : " (forked from " + parent.getFileName() + ")"));
        for (Path f : CimFiles.ownFiles(cim)) {
            out.println("  file:       " + f.getFileName() + " (" + Files.size(f) + " bytes)");
        }
        out.println("layer dir:    " + dir);
        for (String pending : r.pendingHiveMerges()) {
            out.println("hive merge:   " + pending + " kept for the merge step (offreg.dll, Windows only)");
        }
        out.flush();
        return 0;
    }
}
