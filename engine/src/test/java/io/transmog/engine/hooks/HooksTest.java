package io.transmog.engine.hooks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The hook runner alone: which files run, in which order, with which environment, and what a failure is. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HooksTest {
    @TempDir
    Path dir;

    private Path trace() {
        return dir.resolve("trace.log");
    }

    private Path hooksDir() throws IOException {
        return Files.createDirectories(dir.resolve("hooks"));
    }

    /** An executable shell script in the hooks directory. */
    private Path script(String name, String body) throws IOException {
        Path file = hooksDir().resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private Path tracing(String name, int exitCode) throws IOException {
        return script(name, "echo \"$(basename \"$0\") $GH_OST_TABLE_NAME\" >> '" + trace() + "'\nexit " + exitCode);
    }

    private List<String> traced() throws IOException {
        return Files.exists(trace()) ? Files.readAllLines(trace()) : List.of();
    }

    private Hooks hooks(int timeoutSeconds) throws IOException {
        return new Hooks(HooksConfig.at(hooksDir()).withTimeoutSeconds(timeoutSeconds), "t");
    }

    @Test
    void runsEveryExecutableFileNamedLikeTheHookInNameOrder() throws Exception {
        tracing("gh-ost-on-startup-b.sh", 0);
        tracing("gh-ost-on-startup", 0);
        tracing("gh-ost-on-startup-a", 0);
        tracing("gh-ost-on-success", 0);                  // another hook
        tracing("on-startup", 0);                         // not the prefix
        Path notExecutable = tracing("gh-ost-on-startup-c", 0);
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(hooksDir().resolve("gh-ost-on-startup-dir"));

        Optional<HookFailure> failure = hooks(10).run(Hook.STARTUP, "Pending", Map.of("GH_OST_TABLE_NAME", "t"));

        assertThat(failure).isEmpty();
        assertThat(traced()).containsExactly("gh-ost-on-startup t", "gh-ost-on-startup-a t", "gh-ost-on-startup-b.sh t");
    }

    @Test
    void noDirectoryNoHooks() throws Exception {
        Hooks none = new Hooks(HooksConfig.none(), "t");
        assertThat(none.enabled()).isFalse();
        assertThat(none.run(Hook.STARTUP, "Pending", Map.of())).isEmpty();
    }

    @Test
    void aGateStopsAtItsFirstFailingFile() throws Exception {
        tracing("gh-ost-on-before-cut-over-1", 0);
        tracing("gh-ost-on-before-cut-over-2", 4);
        tracing("gh-ost-on-before-cut-over-3", 0);

        Optional<HookFailure> failure = hooks(10).run(Hook.BEFORE_CUT_OVER, "AwaitingCutOver", Map.of("GH_OST_TABLE_NAME", "t"));

        assertThat(failure).isPresent();
        assertThat(failure.get().describe()).isEqualTo("before-cut-over hook gh-ost-on-before-cut-over-2 exited 4");
        assertThat(traced()).containsExactly("gh-ost-on-before-cut-over-1 t", "gh-ost-on-before-cut-over-2 t");
    }

    @Test
    void aNotificationRunsEveryFileAndReportsTheFirstFailure() throws Exception {
        tracing("gh-ost-on-failure-1", 2);
        tracing("gh-ost-on-failure-2", 3);
        tracing("gh-ost-on-failure-3", 0);

        Optional<HookFailure> failure = hooks(10).run(Hook.FAILURE, "Failed", Map.of("GH_OST_TABLE_NAME", "t"));

        assertThat(failure.map(HookFailure::describe)).contains("failure hook gh-ost-on-failure-1 exited 2");
        assertThat(traced()).hasSize(3);
    }

    @Test
    void theEnvironmentHoldsPathHomeAndTheGivenVariablesOnly() throws Exception {
        Path envDump = dir.resolve("env.txt");
        script("gh-ost-on-validated", "env > '" + envDump + "'");

        hooks(10).run(Hook.VALIDATED, "Validating", Map.of("GH_OST_TABLE_NAME", "t", "GH_OST_DDL", "ADD COLUMN c INT"));

        List<String> names = Files.readAllLines(envDump).stream().map(line -> line.substring(0, line.indexOf('='))).toList();
        // PWD, SHLVL and _ are the shell's own, set by sh itself for the script.
        assertThat(names).isSubsetOf("PATH", "HOME", "GH_OST_TABLE_NAME", "GH_OST_DDL", "PWD", "SHLVL", "_", "OLDPWD")
                .contains("PATH", "HOME", "GH_OST_TABLE_NAME", "GH_OST_DDL");
        assertThat(Files.readAllLines(envDump)).contains("GH_OST_DDL=ADD COLUMN c INT");
    }

    @Test
    void aHookOverItsTimeoutIsKilledWithWhatItStartedAndFails() throws Exception {
        Path pidFile = dir.resolve("sleep.pid");
        script("gh-ost-on-before-row-copy", "sleep 300 &\necho $! > '" + pidFile + "'\nwait");

        long started = System.nanoTime();
        Optional<HookFailure> failure = hooks(1).run(Hook.BEFORE_ROW_COPY, "Validating", Map.of());

        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(10);
        assertThat(failure.map(HookFailure::describe)).contains("before-row-copy hook gh-ost-on-before-row-copy did not"
                + " finish within 1 s (--hooks-timeout-seconds) and was killed");
        long sleepPid = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(5, TimeUnit.SECONDS).until(() -> ProcessHandle.of(sleepPid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void anInterruptKillsTheRunningHook() throws Exception {
        Path pidFile = dir.resolve("hook.pid");
        script("gh-ost-on-before-cut-over", "echo $$ > '" + pidFile + "'\nexec sleep 300");
        Hooks hooks = hooks(120);
        Thread[] runner = new Thread[1];
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        runner[0] = new Thread(() -> {
            try {
                hooks.run(Hook.BEFORE_CUT_OVER, "AwaitingCutOver", Map.of());
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        runner[0].start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        long pid = Long.parseLong(Files.readString(pidFile).trim());

        runner[0].interrupt();

        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        await().atMost(5, TimeUnit.SECONDS).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    /** Java reports a failed exec either as an IOException or as exit code 127, depending on how it spawns. */
    @Test
    void aFileThatCannotBeExecutedFails() throws Exception {
        Path noShebang = hooksDir().resolve("gh-ost-on-startup");
        Files.write(noShebang, new byte[]{0x7f, 'E', 'L', 'F', 0, 0, 0});
        Files.setPosixFilePermissions(noShebang, PosixFilePermissions.fromString("rwxr-xr-x"));

        Optional<HookFailure> failure = hooks(10).run(Hook.STARTUP, "Pending", Map.of());

        assertThat(failure.map(HookFailure::describe).orElseThrow())
                .matches("startup hook gh-ost-on-startup (could not be started: .*|exited 127)");
    }

    @Test
    void everyHookHasGhOstsFileNameAndOnlyTheDocumentedOnesAreGates() {
        assertThat(Arrays.stream(Hook.values()).map(Hook::fileNamePrefix)).containsExactly(
                "gh-ost-on-startup", "gh-ost-on-validated", "gh-ost-on-rowcount-complete", "gh-ost-on-before-row-copy",
                "gh-ost-on-row-copy-complete", "gh-ost-on-begin-postponed", "gh-ost-on-before-cut-over",
                "gh-ost-on-success", "gh-ost-on-failure", "gh-ost-on-status", "gh-ost-on-interactive-command");
        assertThat(Arrays.stream(Hook.values()).filter(Hook::gate)).containsExactlyInAnyOrder(
                Set.of(Hook.STARTUP, Hook.VALIDATED, Hook.ROWCOUNT_COMPLETE, Hook.BEFORE_ROW_COPY, Hook.BEFORE_CUT_OVER)
                        .toArray(Hook[]::new));
    }
}
