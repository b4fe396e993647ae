package io.transmog.engine;

import io.transmog.engine.hooks.HooksConfig;
import io.transmog.engine.support.CliProcess;
import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbExtension;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.transmog.engine.ThrottlingIT.ALTER;
import static io.transmog.engine.ThrottlingIT.COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gh-ost's hooks on real migrations: a hooks directory with one tracing script per hook point, run by the CLI as a
 * separate process (with the password in its environment, as an operator runs it) under concurrent writes; a
 * failing before-cut-over hook that holds the cut-over; failing and hanging gate hooks that stop a migration with
 * nothing left behind.
 */
@ExtendWith(MariaDbExtension.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HooksIT {
    private static final int ROWS = 30_000;
    private static final String[] ALL_HOOKS = {"gh-ost-on-startup", "gh-ost-on-validated", "gh-ost-on-rowcount-complete",
            "gh-ost-on-before-row-copy", "gh-ost-on-row-copy-complete", "gh-ost-on-begin-postponed",
            "gh-ost-on-before-cut-over", "gh-ost-on-success", "gh-ost-on-failure", "gh-ost-on-status",
            "gh-ost-on-interactive-command"};
    /** Variables a shell adds to its own environment, whatever it was started with. */
    private static final List<String> SHELL_VARIABLES = List.of("PWD", "SHLVL", "_", "OLDPWD");

    private final MariaDbServer server;
    private final List<MigrationRun> runs = new ArrayList<>();
    @TempDir
    Path dir;

    HooksIT(MariaDbServer server) {
        this.server = server;
    }

    @AfterEach
    void cancelLeftovers() {
        ThrottlingIT.cancelUnfinished(runs);
    }

    @Test
    void everyHookRunsInGhOstsOrderWithGhOstsEnvironmentAndNeverThePassword() throws Exception {
        String database = ThrottlingIT.createTable(server, "hooks_order", ROWS);
        Path hooks = Files.createDirectories(dir.resolve("hooks"));
        Path trace = dir.resolve("trace.log");
        for (String hook : ALL_HOOKS) {
            tracingScript(hooks.resolve(hook), trace, 0);
        }
        script(hooks.resolve("gh-ost-on-startup-zz-env"), "env > '" + dir.resolve("startup.env") + "'");
        script(hooks.resolve("gh-ost-on-before-cut-over-zz-env"), "env > '" + dir.resolve("cut-over.env") + "'");
        script(hooks.resolve("gh-ost-on-validated-says-hello"), "echo 'hello from validated'\necho 'and from its stderr' >&2");
        Path postpone = Files.createFile(dir.resolve("postpone.flag"));
        Path socket = dir.resolve("control.sock");

        try (WriteLoad writers = ThrottlingIT.writers(server, database, 2);
             CliProcess cli = CliProcess.migrate(server, database, List.of("-Xmx256m"), "--table", "t", "--alter", ALTER,
                     "--execute", "--exact-rowcount", "--chunk-size", "500", "--hooks-path", hooks.toString(),
                     "--hooks-hint", "deploy 42", "--hooks-hint-owner", "team-db", "--hooks-status-interval", "1",
                     "--postpone-cut-over-flag-file", postpone.toString(), "--serve-socket-file", socket.toString())) {
            await().atMost(Duration.ofMinutes(2)).until(() -> events(trace).contains("gh-ost-on-begin-postponed"));
            assertThat(ControlServerIT.send(UnixDomainSocketAddress.of(socket), "sup")).startsWith("Copy: ");
            await().atMost(Duration.ofSeconds(30)).until(() -> events(trace).contains("gh-ost-on-interactive-command")
                    && events(trace).contains("gh-ost-on-status"));
            writers.stop();
            assertThat(writers.unexpectedErrors()).isEmpty();
            assertThat(writers.statements()).isPositive();
            Files.delete(postpone);
            assertThat(cli.waitFor(120)).as(cli.stderr()).isZero();

            List<String> order = events(trace).stream()
                    .filter(e -> !e.equals("gh-ost-on-status") && !e.equals("gh-ost-on-interactive-command")).toList();
            assertThat(order).containsExactly("gh-ost-on-startup", "gh-ost-on-validated", "gh-ost-on-rowcount-complete",
                    "gh-ost-on-before-row-copy", "gh-ost-on-row-copy-complete", "gh-ost-on-begin-postponed",
                    "gh-ost-on-before-cut-over", "gh-ost-on-success");

            Map<String, Map<String, String>> seen = lastLineOfEachHook(trace);
            for (Map<String, String> values : seen.values()) {
                assertThat(values).containsEntry("db", database).containsEntry("table", "t")
                        .containsEntry("ghost", "_t_gho").containsEntry("old", "_t_del").containsEntry("dry", "false")
                        .containsEntry("hint", "deploy 42").containsEntry("owner", "team-db");
            }
            assertThat(seen.get("gh-ost-on-startup")).containsEntry("copied", "0");
            assertThat(seen.get("gh-ost-on-before-row-copy")).containsEntry("copied", "0");
            assertThat(Long.parseLong(seen.get("gh-ost-on-rowcount-complete").get("estimated"))).isGreaterThan(ROWS / 2);
            long copied = Long.parseLong(seen.get("gh-ost-on-row-copy-complete").get("copied"));
            assertThat(copied).isGreaterThan(ROWS / 2);
            assertThat(seen.get("gh-ost-on-row-copy-complete")).containsEntry("progress", "100.000000");
            assertThat(seen.get("gh-ost-on-success")).containsEntry("copied", Long.toString(copied));
            assertThat(Double.parseDouble(seen.get("gh-ost-on-success").get("elapsed")))
                    .isGreaterThanOrEqualTo(Double.parseDouble(seen.get("gh-ost-on-success").get("copyElapsed")));
            assertThat(seen.get("gh-ost-on-status").get("status")).startsWith("'Copy: ").endsWith("'");
            assertThat(seen.get("gh-ost-on-interactive-command")).containsEntry("command", "'sup'");

            for (Path env : List.of(dir.resolve("startup.env"), dir.resolve("cut-over.env"))) {
                String text = Files.readString(env);
                assertThat(text).as(env + " holds the password").doesNotContain(server.password());
                List<String> names = Files.readAllLines(env).stream().map(l -> l.substring(0, l.indexOf('='))).toList();
                assertThat(names).as("variables of " + env).allMatch(name -> name.startsWith("GH_OST_")
                        || name.equals("PATH") || name.equals("HOME") || SHELL_VARIABLES.contains(name));
                assertThat(names).contains("GH_OST_DDL", "GH_OST_ELAPSED_SECONDS", "GH_OST_ETA_SECONDS",
                        "GH_OST_MIGRATED_HOST", "GH_OST_EXECUTING_HOST", "GH_OST_HEARTBEAT_LAG", "GH_OST_INSPECTED_LAG");
                assertThat(text).contains("GH_OST_DDL=" + ALTER + "\n");
            }

            String logs = cli.stderr();
            assertThat(logs).contains("table=t phase=Validating hook=gh-ost-on-validated-says-hello | hello from validated")
                    .contains("hook=gh-ost-on-validated-says-hello | and from its stderr")
                    .contains("running before-cut-over hook gh-ost-on-before-cut-over");
            assertThat(logs).doesNotContain(server.password());
        }
        assertMigratedIdentically(database);
    }

    @Test
    void aFailingBeforeCutOverHookHoldsTheCutOverUntilItSucceeds() throws Exception {
        String database = ThrottlingIT.createTable(server, "hooks_hold", ROWS);
        Path hooks = Files.createDirectories(dir.resolve("hooks"));
        Path gate = hooks.resolve("gh-ost-on-before-cut-over");
        script(gate, "echo 'not now'\nexit 1");
        try (WriteLoad writers = ThrottlingIT.writers(server, database, 2)) {
            MigrationRun run = start(database, HooksConfig.at(hooks));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> run.snapshot().cutOverAttempts() >= 3);

            MigrationStatus held = run.snapshot();
            assertThat(held.phase()).isEqualTo(Phase.AwaitingCutOver);
            assertThat(held.cutOverLastError())
                    .isEqualTo("before-cut-over hook gh-ost-on-before-cut-over exited 1: cut-over held");
            assertThat(held.message()).startsWith("before-cut-over hook gh-ost-on-before-cut-over exited 1: cut-over held");
            assertThat(run.phases()).doesNotContain(Phase.CuttingOver);
            assertThat(ThrottlingIT.showCreate(server, database, "t")).doesNotContain("`extra`");
            assertThat(ThrottlingIT.tableExists(server, database, "_t_gho")).isTrue();
            assertThat(ThrottlingIT.tableExists(server, database, "_t_del")).isFalse();
            assertThat(ThrottlingIT.tableExists(server, database, "t$del")).as("no sentry: nothing was locked").isFalse();

            writers.stop();
            assertThat(writers.unexpectedErrors()).isEmpty();
            replaceScript(gate, "exit 0");

            MigrationStatus result = run.finish(Duration.ofMinutes(1));
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
            assertThat(result.cutOverAttempts()).isGreaterThan(held.cutOverAttempts());
        }
        assertMigratedIdentically(database);
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t WHERE extra <> 7")).isZero();
    }

    @Test
    void aFailingStartupHookFailsTheMigrationWithNothingCreated() throws Exception {
        String database = ThrottlingIT.createTable(server, "hooks_startup", 1000);
        Path hooks = Files.createDirectories(dir.resolve("hooks"));
        Path trace = dir.resolve("trace.log");
        script(hooks.resolve("gh-ost-on-startup"), "echo 'maintenance window closed'\nexit 3");
        tracingScript(hooks.resolve("gh-ost-on-validated"), trace, 0);
        Path failure = dir.resolve("failure.txt");
        script(hooks.resolve("gh-ost-on-failure"), "printf '%s' \"$GH_OST_FAILURE_MESSAGE\" > '" + failure + "'");

        try (CliProcess cli = CliProcess.migrate(server, database, List.of(), "--table", "t", "--alter", ALTER,
                "--execute", "--hooks-path", hooks.toString())) {
            assertThat(cli.waitFor(60)).isEqualTo(1);
            assertThat(cli.stderr()).contains("error: startup hook gh-ost-on-startup exited 3: the migration stops here")
                    .contains("hook=gh-ost-on-startup | maintenance window closed");
        }
        assertThat(BadInputIT.tables(server, database)).containsExactly("t");
        assertThat(events(trace)).isEmpty();
        assertThat(Files.readString(failure)).startsWith("startup hook gh-ost-on-startup exited 3");
    }

    @Test
    void aHookOverItsTimeoutIsKilledAndAFailingBeforeRowCopyLeavesNothingBehind() throws Exception {
        String database = ThrottlingIT.createTable(server, "hooks_timeout", 1000);
        Path hooks = Files.createDirectories(dir.resolve("hooks"));
        Path pid = dir.resolve("sleep.pid");
        script(hooks.resolve("gh-ost-on-before-row-copy"), "sleep 300 &\necho $! > '" + pid + "'\nwait");

        long started = System.nanoTime();
        MigrationRun run = start(database, HooksConfig.at(hooks).withTimeoutSeconds(2));
        MigrationStatus result = run.finish(Duration.ofSeconds(60));

        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(30);
        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).startsWith("before-row-copy hook gh-ost-on-before-row-copy did not finish within 2 s"
                + " (--hooks-timeout-seconds) and was killed: the migration stops here")
                .endsWith("ghost and changelog tables dropped, original untouched");
        assertThat(BadInputIT.tables(server, database)).containsExactly("t");
        long sleepPid = Long.parseLong(Files.readString(pid).trim());
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(sleepPid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void aDryRunRunsTheValidationHooksAndSuccessWithDryRunSet() throws Exception {
        String database = ThrottlingIT.createTable(server, "hooks_dry", 1000);
        Path hooks = Files.createDirectories(dir.resolve("hooks"));
        Path trace = dir.resolve("trace.log");
        for (String hook : ALL_HOOKS) {
            tracingScript(hooks.resolve(hook), trace, 0);
        }
        MigrationRun run = MigrationRun.start(server, database, "t", ALTER, MigrationRun.controls(1000),
                b -> b.execute(false).hooks(HooksConfig.at(hooks)));
        runs.add(run);

        assertThat(run.finish(Duration.ofSeconds(60)).phase()).isEqualTo(Phase.Validated);
        assertThat(events(trace)).containsExactly("gh-ost-on-startup", "gh-ost-on-validated", "gh-ost-on-success");
        assertThat(lastLineOfEachHook(trace).values()).allSatisfy(values -> assertThat(values).containsEntry("dry", "true"));
        assertThat(BadInputIT.tables(server, database)).containsExactly("t");
    }

    // ---- helpers ----

    /** The writers were stopped before the cut-over: the new table holds exactly what the old one held. */
    private void assertMigratedIdentically(String database) throws Exception {
        try (Connection c = server.connect(database)) {
            assertThat(TableComparison.firstDifference(c, database, "_t_del", COLUMNS, "t", COLUMNS, List.of("`id`")))
                    .as("difference between the old and the migrated table").isNull();
        }
    }

    private MigrationRun start(String database, HooksConfig hooks) {
        MigrationRun run = MigrationRun.start(server, database, "t", ALTER, MigrationRun.controls(1000), b -> b.hooks(hooks));
        runs.add(run);
        return run;
    }

    /** A hook that appends one line of {@code name key=value ...} to {@code trace}, values separated by tabs. */
    private static void tracingScript(Path file, Path trace, int exitCode) throws IOException {
        script(file, "printf '%s\\tdb=%s\\ttable=%s\\tghost=%s\\told=%s\\tcopied=%s\\testimated=%s\\tprogress=%s\\t"
                + "elapsed=%s\\tcopyElapsed=%s\\tdry=%s\\thint=%s\\towner=%s\\tstatus=%s\\tcommand=%s\\n'"
                + " \"$(basename \"$0\")\" \"$GH_OST_DATABASE_NAME\" \"$GH_OST_TABLE_NAME\" \"$GH_OST_GHOST_TABLE_NAME\""
                + " \"$GH_OST_OLD_TABLE_NAME\" \"$GH_OST_COPIED_ROWS\" \"$GH_OST_ESTIMATED_ROWS\" \"$GH_OST_PROGRESS\""
                + " \"$GH_OST_ELAPSED_SECONDS\" \"$GH_OST_ELAPSED_COPY_SECONDS\" \"$GH_OST_DRY_RUN\" \"$GH_OST_HOOKS_HINT\""
                + " \"$GH_OST_HOOKS_HINT_OWNER\" \"$GH_OST_STATUS\" \"$GH_OST_COMMAND\" >> '" + trace + "'\nexit " + exitCode);
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** As an operator would: the new script appears at once and whole, never half-written. */
    private static void replaceScript(Path file, String body) throws IOException {
        Path next = file.resolveSibling("." + file.getFileName() + ".new");
        script(next, body);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The hook names in the trace, in the order they ran. */
    private static List<String> events(Path trace) throws IOException {
        if (!Files.exists(trace)) {
            return List.of();
        }
        return Files.readAllLines(trace).stream().map(line -> line.split("\t", 2)[0]).toList();
    }

    private static Map<String, Map<String, String>> lastLineOfEachHook(Path trace) throws IOException {
        Map<String, Map<String, String>> byHook = new LinkedHashMap<>();
        for (String line : Files.readAllLines(trace)) {
            String[] fields = line.split("\t");
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 1; i < fields.length; i++) {
                int equals = fields[i].indexOf('=');
                values.put(fields[i].substring(0, equals), fields[i].substring(equals + 1));
            }
            byHook.put(fields[0], values);
        }
        return byHook;
    }
}
