package io.layerd.tests;

import io.layerd.daemon.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the {@code layerd} command line, with what it printed. */
public record CliRun(int exit, String out, String err) {
    public static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    /** Everything, for a failure message. */
    public String text() {
        return "exit " + exit + "\nout:\n" + out + "\nerr:\n" + err;
    }
}
