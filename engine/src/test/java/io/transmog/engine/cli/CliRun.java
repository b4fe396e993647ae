package io.transmog.engine.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** `transmog migrate` in this JVM against an address nothing listens on (port 1): for checks made before connecting. */
record CliRun(int exitCode, String err) {

    static CliRun migrate(String... extra) {
        List<String> args = new ArrayList<>(List.of("migrate", "--host", "127.0.0.1", "--port", "1", "--user", "u",
                "--database", "d", "--table", "t", "--alter", "ADD COLUMN c INT"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        CommandLine commandLine = TransmogCli.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));
        return new CliRun(commandLine.execute(args.toArray(String[]::new)), err.toString());
    }
}
