package io.transmog.engine;

import io.transmog.engine.checkpoint.Checkpoint;
import io.transmog.engine.checkpoint.CrashPoints;
import io.transmog.engine.support.CliProcess;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acceptance (safety issue) 4: kill -9 at five points while writers run; the rerun, with
 * no extra flag, resumes from the checkpoint (re-copying under 10% of the table), the
 * final table holds exactly the expected rows, and a cut-over cut short leaves the
 * original in place and usable.
 */
class ResumeIT {
    private static final int ROWS = 100_000;
    private static final Pattern ROWS_COPIED = Pattern.compile("\"rowsCopied\":(\\d+)");
    private static final Pattern EVENTS_APPLIED = Pattern.compile("\"eventsApplied\":(\\d+)");
    private static final List<String> COLUMNS = List.of("id", "k", "c", "pad");

    enum KillPoint {
        DURING_COPY, DURING_HEAVY_APPLY, DURING_CHECKPOINT, AWAITING_CUT_OVER, CUT_OVER_LOCK_HELD,
        /** As DURING_COPY, with gh-ost's --gtid: the stream and its checkpoints positioned by GTID set. */
        DURING_COPY_BY_GTID
    }

    private final MariaDbServer server = MariaDbServer.shared();
    /** The write storm of DURING_HEAVY_APPLY lasts until the kill; the rerun gets the ordinary load. */
    private volatile boolean storm;

    @ParameterizedTest
    @EnumSource(KillPoint.class)
    void rerunAfterKillResumesAndEndsWithTheExpectedTable(KillPoint point) throws Exception {
        String database = server.createDatabase("resume_" + point.name().toLowerCase());
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL,"
                        + " pad CHAR(60) NOT NULL, KEY k_1 (k)) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, FLOOR(RAND() * 100000), LEFT(SHA2(seq, 256), 32), 'pad' FROM seq_1_to_" + ROWS);
        String createBefore = showCreate(database, "t");
        Path postpone = Files.createTempFile("transmog-postpone", ".flag");
        List<String> arguments = new ArrayList<>(List.of("--table", "t", "--alter", "ADD COLUMN extra INT NOT NULL DEFAULT 5",
                "--execute", "--status-json", "--status-interval-seconds", "1", "--chunk-size", "1000",
                "--postpone-cut-over-flag-file", postpone.toString()));
        boolean copyPhaseKill = point == KillPoint.DURING_COPY || point == KillPoint.DURING_HEAVY_APPLY
                || point == KillPoint.DURING_CHECKPOINT || point == KillPoint.DURING_COPY_BY_GTID;
        if (point == KillPoint.DURING_COPY_BY_GTID) {
            arguments.add("--gtid");
        }
        if (copyPhaseKill) {
            arguments.addAll(List.of("--nice-ratio", "1"));
        }
        if (point == KillPoint.CUT_OVER_LOCK_HELD) {
            Files.delete(postpone);
        }
        List<String> jvm = switch (point) {
            case DURING_CHECKPOINT -> List.of("-Dtransmog.crashAt=checkpoint#6");
            case CUT_OVER_LOCK_HELD -> List.of("-Dtransmog.crashAt=cutover-locked");
            default -> List.of();
        };
        int writers = 2;
        long killedRunRowsCopied;
        storm = point == KillPoint.DURING_HEAVY_APPLY;
        try (WriteLoad load = new WriteLoad(server, database, writers, "+00:00", this::statement)) {
            try (CliProcess first = CliProcess.migrate(server, database, jvm, arguments.toArray(String[]::new))) {
                switch (point) {
                    case DURING_COPY, DURING_COPY_BY_GTID -> first.awaitStdoutLine(line -> number(ROWS_COPIED, line) > ROWS / 4, 300);
                    case DURING_HEAVY_APPLY -> first.awaitStdoutLine(line -> number(ROWS_COPIED, line) > ROWS / 4
                            && number(EVENTS_APPLIED, line) > 10_000, 600);
                    case AWAITING_CUT_OVER -> first.awaitStdoutLine(line -> line.contains("\"phase\":\"AwaitingCutOver\""), 180);
                    default -> { }
                }
                if (point == KillPoint.DURING_CHECKPOINT || point == KillPoint.CUT_OVER_LOCK_HELD) {
                    assertThat(first.waitFor(180)).as("halted at the crash point").isEqualTo(137);
                    assertThat(first.stderr()).contains("crash point");
                } else {
                    first.kill();
                    first.waitFor(30);
                }
                killedRunRowsCopied = first.stdout().stream().mapToLong(line -> number(ROWS_COPIED, line)).max().orElse(0);
                storm = false;
            }
            Checkpoint checkpoint = Checkpoint.fromJson(server.queryString(database,
                    "SELECT `value` FROM `_t_ghc` WHERE `hint` = 'checkpoint'"));
            assertThat(checkpoint.gtid()).as("GTID set of the checkpoint")
                    .matches(point == KillPoint.DURING_COPY_BY_GTID ? "\\S+[-:]\\d+.*" : "");
            if (copyPhaseKill) {
                // Rows the killed run had copied past its last checkpoint are the ones copied twice.
                long toRecopy = Math.max(0, killedRunRowsCopied - checkpoint.rowsCopied());
                System.out.printf("%s: checkpoint at %s with %d rows copied; the killed run had copied %d: %d rows"
                                + " (%.1f%% of %d) are copied again%n", point, checkpoint.binlog(), checkpoint.rowsCopied(),
                        killedRunRowsCopied, toRecopy, 100.0 * toRecopy / ROWS, ROWS);
                assertThat(checkpoint.rowsCopied()).as("the checkpoint is recent").isPositive();
                assertThat(toRecopy).as("rows the rerun copies again").isLessThan(ROWS / 10);
            } else {
                assertThat(checkpoint.copyDone()).isTrue();
            }
            if (point == KillPoint.CUT_OVER_LOCK_HELD) {
                assertThat(showCreate(database, "t")).as("original still in place").isEqualTo(createBefore);
                server.execute(database, "INSERT INTO t VALUES (" + (ROWS + 500_000) + ", 1, 'after the crash', 'x')");
            }

            Files.write(postpone, new byte[0]);
            try (CliProcess rerun = CliProcess.migrate(server, database, List.of(), arguments.toArray(String[]::new))) {
                rerun.awaitStdoutLine(line -> line.contains("\"phase\":\"AwaitingCutOver\""), 420);
                assertThat(rerun.stderr()).contains("resuming from the checkpoint");
                load.stop();
                assertThat(load.unexpectedErrors()).isEmpty();
                try (Connection connection = server.connect(database)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> TableComparison.firstDifference(connection, database,
                            "t", COLUMNS, "_t_gho", COLUMNS, List.of("`id`")) == null);
                }
                Files.delete(postpone);
                assertThat(rerun.waitFor(120)).as(rerun.stderr()).isZero();
                assertThat(rerun.stdout().get(rerun.stdout().size() - 1)).contains("\"phase\":\"Succeeded\"");
                // Progress continues from the checkpoint once the run is past validation (where it finds the
                // checkpoint), never from 0.
                assertThat(rerun.stdout().stream().filter(line -> !line.contains("\"phase\":\"Pending\"")
                                && !line.contains("\"phase\":\"Validating\""))
                        .map(ROWS_COPIED::matcher).filter(java.util.regex.Matcher::find)
                        .mapToLong(m -> Long.parseLong(m.group(1))).min().orElseThrow())
                        .as("rowsCopied in the rerun's status lines").isGreaterThanOrEqualTo(checkpoint.rowsCopied());
            }
        }
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "_t_del", COLUMNS, "t", COLUMNS, List.of("`id`")))
                    .isNull();
        }
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactlyInAnyOrder("t", "_t_del");
    }

    /**
     * A run that dies after the swap (before the original got its old-table name, or before the changelog was
     * dropped) has done the migration: the rerun must say so and finish the clean-up, not fail to re-apply the
     * ALTER to the already-altered table.
     */
    @ParameterizedTest
    @ValueSource(strings = {CrashPoints.SWAPPED, CrashPoints.FINISHING})
    void rerunAfterACrashPastTheSwapFinishesTheCleanUp(String crashPoint) throws Exception {
        String database = server.createDatabase("resume_after_" + crashPoint);
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL,"
                        + " pad CHAR(60) NOT NULL, KEY k_1 (k)) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, FLOOR(RAND() * 100000), LEFT(SHA2(seq, 256), 32), 'pad' FROM seq_1_to_20000");
        Path postpone = Files.createTempFile("transmog-postpone", ".flag");
        String[] arguments = {"--table", "t", "--alter", "ADD COLUMN extra INT NOT NULL DEFAULT 5", "--execute",
                "--status-json", "--status-interval-seconds", "1", "--postpone-cut-over-flag-file", postpone.toString()};
        try (CliProcess first = CliProcess.migrate(server, database, List.of("-Dtransmog.crashAt=" + crashPoint),
                arguments)) {
            // Writers during the copy; none after it, so the kept original must equal the new table at the end.
            try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00", this::statement)) {
                first.awaitStdoutLine(line -> line.contains("\"phase\":\"AwaitingCutOver\""), 180);
                load.stop();
                assertThat(load.unexpectedErrors()).isEmpty();
            }
            Files.delete(postpone);
            assertThat(first.waitFor(180)).as("halted at the crash point: " + first.stderr()).isEqualTo(137);
        }
        String swappedIn = server.queryString(database, "SELECT COUNT(*) FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'extra'");
        assertThat(swappedIn).as("the crash came after the swap").isEqualTo("1");

        try (CliProcess rerun = CliProcess.migrate(server, database, List.of(), arguments)) {
            assertThat(rerun.waitFor(120)).as(rerun.stderr()).isZero();
            String last = rerun.stdout().get(rerun.stdout().size() - 1);
            assertThat(last).contains("\"phase\":\"Succeeded\"").contains("cut over by an earlier run");
            assertThat(number(ROWS_COPIED, last)).as("counts from the checkpoint").isPositive();
        }
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactlyInAnyOrder("t", "_t_del");
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "_t_del", COLUMNS, "t", COLUMNS,
                    List.of("`id`"))).isNull();
        }
    }

    private String statement(int random) {
        int id = 1 + random % (ROWS + 20_000);
        if (storm) {
            return "UPDATE t SET k = k + 1 WHERE id BETWEEN " + id + " AND " + (id + 20);
        }
        return switch (random % 3) {
            case 0 -> "UPDATE t SET k = k + 1 WHERE id = " + id;
            case 1 -> "DELETE FROM t WHERE id = " + id;
            default -> "INSERT INTO t VALUES (" + id + ", 7, 'inserted', 'w') ON DUPLICATE KEY UPDATE c = 'reinserted'";
        };
    }

    private static long number(Pattern field, String line) {
        Matcher matcher = field.matcher(line);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private String showCreate(String database, String table) throws Exception {
        try (Connection connection = server.connect(database); var statement = connection.createStatement();
             var rs = statement.executeQuery("SHOW CREATE TABLE `" + table + "`")) {
            rs.next();
            return rs.getString(2);
        }
    }
}
