package io.transmog.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** gh-ost's hook flags on the command line: accepted, and checked before anything connects. */
class HooksOptionsTest {
    @TempDir
    Path dir;

    private record Result(int exitCode, String err) {
    }

    private static Result migrate(String... extra) {
        List<String> args = new ArrayList<>(List.of("migrate", "--host", "127.0.0.1", "--port", "1", "--user", "u",
                "--database", "d", "--table", "t", "--alter", "ADD COLUMN c INT"));
        args.addAll(List.of(extra));
        StringWriter err = new StringWriter();
        CommandLine commandLine = TransmogCli.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Result(commandLine.execute(args.toArray(String[]::new)), err.toString());
    }

    @Test
    void aHooksPathThatIsNoDirectoryIsABadUsage() {
        Result result = migrate("--hooks-path", dir.resolve("missing").toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--hooks-path " + dir.resolve("missing") + " is not a directory");
    }

    @Test
    void aTimeoutBelowOneSecondIsABadUsage() {
        Result result = migrate("--hooks-path", dir.toString(), "--hooks-timeout-seconds", "0");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--hooks-timeout-seconds must be at least 1, got 0");
    }

    /** The database cannot be reached (port 1): the startup hook has run by then, with the hints. */
    @Test
    void everyGhOstHookFlagIsAcceptedAndTheStartupHookRunsFirst() throws Exception {
        Path trace = dir.resolve("trace");
        Path hook = dir.resolve("gh-ost-on-startup");
        Files.writeString(hook, "#!/bin/sh\necho \"$GH_OST_HOOKS_HINT/$GH_OST_HOOKS_HINT_OWNER/$GH_OST_HOOKS_HINT_TOKEN\" > '"
                + trace + "'\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));

        Result result = migrate("--hooks-path", dir.toString(), "--hooks-hint", "h", "--hooks-hint-owner", "o",
                "--hooks-hint-token", "k", "--hooks-status-interval", "10", "--hooks-timeout-seconds", "5");

        assertThat(result.err()).doesNotContain("unsupported option");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(Files.readString(trace)).isEqualTo("h/o/k\n");
    }
}
