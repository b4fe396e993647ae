package io.transmog.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** gh-ost's hook flags on the command line: accepted, and checked before anything connects. */
class HooksOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aHooksPathThatIsNoDirectoryIsABadUsage() {
        CliRun result = CliRun.migrate("--hooks-path", dir.resolve("missing").toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--hooks-path " + dir.resolve("missing") + " is not a directory");
    }

    @Test
    void aTimeoutBelowOneSecondIsABadUsage() {
        CliRun result = CliRun.migrate("--hooks-path", dir.toString(), "--hooks-timeout-seconds", "0");
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

        CliRun result = CliRun.migrate("--hooks-path", dir.toString(), "--hooks-hint", "h", "--hooks-hint-owner", "o",
                "--hooks-hint-token", "k", "--hooks-status-interval", "10", "--hooks-timeout-seconds", "5");

        assertThat(result.err()).doesNotContain("unsupported option");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(Files.readString(trace)).isEqualTo("h/o/k\n");
    }
}
