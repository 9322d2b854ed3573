package io.layerd.daemon.cli;

import io.layerd.lcow.vhd.VhdxFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.UUID;

/** {@code layerd vhdx create|info}: dynamic VHDX scratch disks. */
@Command(name = "vhdx", mixinStandardHelpOptions = true, description = "Create and inspect dynamic VHDX disks.",
        subcommands = {VhdxCommand.Create.class, VhdxCommand.Info.class})
final class VhdxCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an empty, sparse dynamic VHDX.")
    static final class Create implements Runnable {
        @Option(names = "--size", required = true, converter = SizeConverter.class, paramLabel = "SIZE",
                description = "virtual disk size, e.g. 20G")
        long size;

        @Option(names = "--block-size", defaultValue = "1M", converter = SizeConverter.class, paramLabel = "SIZE",
                description = "payload block size (default: ${DEFAULT-VALUE})")
        long blockSize;

        @Parameters(paramLabel = "FILE")
        Path file;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            try (VhdxFile f = VhdxFile.create(file, size, (int) blockSize, UUID.randomUUID())) {
                spec.commandLine().getOut().println("created " + file + ": " + SizeConverter.human(f.virtualSize())
                        + " virtual, " + SizeConverter.human(f.blockSize()) + " blocks");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a VHDX's geometry and allocation.")
    static final class Info implements Runnable {
        @Parameters(paramLabel = "FILE")
        Path file;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            try (VhdxFile f = VhdxFile.open(file, false)) {
                out.println("file:                 " + file);
                out.println("virtual size:         " + f.virtualSize() + " bytes (" + SizeConverter.human(f.virtualSize()) + ")");
                out.println("block size:           " + f.blockSize() + " bytes");
                out.println("logical sector size:  " + f.logicalSectorSize());
                out.println("physical sector size: " + f.physicalSectorSize());
                out.println("disk id:              " + f.diskId());
                out.println("allocated:            " + f.allocatedBytes() + " bytes");
                out.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
        }
    }
}
