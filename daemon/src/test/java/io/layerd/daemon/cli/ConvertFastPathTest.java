package io.layerd.daemon.cli;

import io.layerd.lcow.convert.LayerVhdWriter;
import io.layerd.lcow.ext4.Ext4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code layerd convert}'s picocli-free path takes exactly the plainly valid argument lists and
 * declines everything else, which picocli then answers (CliTest covers those answers).
 */
class ConvertFastPathTest {
    private static VhdConversion parse(String line) {
        return ConvertFastPath.parse(line.isEmpty() ? new String[0] : line.split(" "));
    }

    @Test
    void everyOptionIsTakenWithItsValue() {
        VhdConversion c = parse("--no-whiteout-conversion -i in.tar --output=out.vhd --verity --max-size 2G --inline-data"
                + " --no-vhd-footer --format vhd");
        assertNotNull(c);
        assertEquals("in.tar", c.input());
        assertEquals(Path.of("out.vhd"), c.output());
        assertEquals(new LayerVhdWriter.Options(false, true, false, new Ext4Writer.Options(2L << 30, true)), c.options());
    }

    @Test
    void theDefaultsAreThoseOfTheCommand() {
        VhdConversion c = parse("-o layer.vhd --input -");
        assertNotNull(c);
        assertEquals("-", c.input(), "standard input");
        assertEquals(new LayerVhdWriter.Options(true, false, true, new Ext4Writer.Options(Ext4Writer.Options.DEFAULT_MAX_DISK_SIZE, false)),
                c.options());
        assertEquals(64L << 20, parse("-i a -o b --max-size=64M").options().ext4().maxDiskSize());
    }

    /** Whatever the fast path takes, it understands as picocli's command does, defaults included. */
    @ParameterizedTest
    @ValueSource(strings = {
            "-i in.tar -o out.vhd",
            "--input - --output=dir/layer.vhd --verity",
            "-o o.vhd -i i.tar.gz --max-size 512M --inline-data --no-vhd-footer",
            "--no-whiteout-conversion --format=vhd --input=x --output y --max-size=3T",
            "-i a -o b --max-size 4096",
    })
    void takesArgumentsAsPicocliParsesThem(String line) {
        VhdConversion fast = parse(line);
        assertNotNull(fast, line);
        ConvertCommand command = new ConvertCommand();
        new picocli.CommandLine(command).parseArgs(line.split(" "));
        assertEquals(command.input, fast.input(), line);
        assertEquals(command.output, fast.output(), line);
        assertEquals(command.vhdOptions(), fast.options(), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",                                   // nothing
            "-i a.tar",                           // no output
            "-o b.vhd",                           // no input
            "--help",
            "-h -i a.tar -o b.vhd",
            "-V",
            "--version",
            "-i a.tar -o b.vhd --no-such-option",
            "-i a.tar -o b.vhd x.tar",            // a positional
            "-i a.tar -i c.tar -o b.vhd",         // repeated
            "-i a.tar --input=c.tar -o b.vhd",    // repeated, spelled differently
            "-i a.tar -o b.vhd --verity --verity",
            "-i a.tar -o",                        // a missing value
            "-i -o b.vhd",                        // an option where a value belongs
            "-i a.tar -o b.vhd --max-size lots",  // not a size
            "-i a.tar -o b.vhd --max-size 0",
            "-i a.tar -o b.vhd --max-size=",
            "-i a.tar -o b.vhd --format cim",     // the CIM conversion has its own checks
            "-i a.tar -o b.vhd --format=VHD",
            "-i @args -o b.vhd",                  // picocli's argument files
            "-ia.tar -o b.vhd",                   // clustered short option
            "-i=a.tar -o b.vhd",
            "-i a.tar -o b.vhd --verity=true",
            "-- -i a.tar -o b.vhd",
            "--parent p.cim -i a.tar -o b.vhd",
    })
    void anythingElseIsLeftToPicocli(String line) {
        assertNull(parse(line), line);
    }
}
