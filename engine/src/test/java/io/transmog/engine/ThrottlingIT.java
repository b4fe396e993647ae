package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.engine.throttle.LoadThresholds;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerOptions;
import io.transmog.testdb.TableChecksum;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Throttling against real servers: a primary with a replica whose lag the migration
 * watches, load thresholds on global status, and an explicit pause. Writers keep
 * writing while rows are copied; every run that completes must leave the new table
 * equal to the old one, and every run that aborts must leave the original untouched.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ThrottlingIT {
    static final int ROWS = 100_000;
    static final String ALTER = "ADD COLUMN extra INT NOT NULL DEFAULT 7";
    static final List<String> COLUMNS = List.of("id", "v", "pad");

    private static MariaDbServer primary;
    private static MariaDbServer replica;
    /** Runs a failed test left behind are cancelled, so they cannot disturb the next test. */
    private final List<MigrationRun> runs = new ArrayList<>();

    @AfterEach
    void cancelLeftovers() {
        cancelUnfinished(runs);
    }

    static void cancelUnfinished(List<MigrationRun> runs) {
        for (MigrationRun run : runs) {
            if (!run.snapshot().phase().isTerminal()) {
                run.controls().cancel("test over");
                try {
                    run.finish(Duration.ofSeconds(60));
                } catch (Exception e) {
                    System.out.println("leftover migration did not stop: " + e);
                }
            }
        }
        runs.clear();
    }

    @BeforeAll
    static void startServers() {
        primary = MariaDbServer.start(ServerOptions.defaults());
        replica = primary.startReplica();
    }

    @AfterAll
    static void stopServers() {
        if (primary != null) {
            primary.close(); // closes the replica too
        }
    }

    /** A table of {@code rows} rows with ids 1..rows. */
    static String createTable(MariaDbServer server, String prefix, int rows) {
        String database = server.createDatabase(prefix);
        server.execute(database,
                "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, v BIGINT NOT NULL, pad VARCHAR(100) NOT NULL)"
                        + " ENGINE=InnoDB",
                "INSERT INTO t (id, v, pad) SELECT seq, seq * 7, CONCAT('row-', seq, '-', REPEAT('x', seq % 50)) FROM seq_1_to_" + rows);
        return database;
    }

    /**
     * Updates, inserts and deletes all over the table (and beyond its end), each writer
     * pausing 2 ms between statements: a few hundred writes a second, which a single
     * replica SQL thread keeps up with, and which leave the copy room to progress.
     */
    static WriteLoad writers(MariaDbServer server, String database, int threads) {
        return new WriteLoad(server, database, threads, "+00:00", random -> {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long id = 1 + (random >>> 4) % (ROWS + ROWS / 5);
            return switch (random % 10) {
                case 0, 1, 2, 3 -> "UPDATE t SET v = v + 1, pad = CONCAT('u', " + random + ") WHERE id = " + id;
                case 4, 5, 6 -> "INSERT INTO t (v, pad) VALUES (" + random + ", 'inserted')";
                default -> "DELETE FROM t WHERE id = " + id;
            };
        });
    }

    static Controls slowControls(int chunkSize, double niceRatio, long maxLagMillis) {
        return new Controls(chunkSize, niceRatio, maxLagMillis, LoadThresholds.none(), LoadThresholds.none());
    }

    /** After a successful run: the new `t` holds exactly what the old table (`_t_del`) held. */
    static void assertMigratedIdentically(MariaDbServer server, String database) throws SQLException {
        try (Connection c = server.connect(database)) {
            assertThat(TableComparison.firstDifference(c, database, "_t_del", COLUMNS, "t", COLUMNS, List.of("`id`")))
                    .as("difference between the old and the migrated table").isNull();
            assertThat(TableComparison.count(c, database, "t")).isGreaterThan(ROWS / 2);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t WHERE extra <> 7")) {
                rs.next();
                assertThat(rs.getLong(1)).as("rows with a wrong value in the added column").isZero();
            }
        }
    }

    static long count(MariaDbServer server, String database, String table) {
        return server.queryLong(database, "SELECT COUNT(*) FROM `" + table + "`");
    }

    static boolean tableExists(MariaDbServer server, String database, String table) {
        return server.queryLong(null, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + database
                + "' AND table_name = '" + table + "'") > 0;
    }

    static String showCreate(MariaDbServer server, String database, String table) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW CREATE TABLE `" + table + "`")) {
            rs.next();
            return rs.getString(2);
        }
    }

    /**
     * Per-table evidence of writes in the binary log: Table_map events (one precedes
     * every row event of a table in ROW format) between two positions, counted by
     * {@code db.table}. Heartbeats to the changelog table and the application's writes
     * show up under their own names, so a table can be proven untouched on a busy server.
     */
    /** MariaDB keeps status variables in information_schema; MySQL moved them to performance_schema. */
    private static String globalStatus(MariaDbServer server) {
        return server.isMySql() ? "performance_schema.global_status" : "information_schema.GLOBAL_STATUS";
    }

    static final class Binlog {
        private static final Pattern TABLE = Pattern.compile("\\((.+)\\)\\s*$");

        record Position(String file, long position) {
        }

        static Position current(MariaDbServer server) throws SQLException {
            try (Connection c = server.connect(null); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery(server.isMySql() ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS")) {
                rs.next();
                return new Position(rs.getString("File"), rs.getLong("Position"));
            }
        }

        static Map<String, Integer> tableMapsBetween(MariaDbServer server, Position from, Position to) throws SQLException {
            Map<String, Integer> counts = new HashMap<>();
            try (Connection c = server.connect(null); Statement s = c.createStatement()) {
                List<String> files = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
                    while (rs.next()) {
                        files.add(rs.getString(1));
                    }
                }
                int first = files.indexOf(from.file());
                int last = files.indexOf(to.file());
                assertThat(first).as("binlog %s still there", from.file()).isNotNegative();
                for (int i = first; i <= last; i++) {
                    String file = files.get(i);
                    String sql = "SHOW BINLOG EVENTS IN '" + file + "'" + (i == first ? " FROM " + from.position() : "");
                    try (ResultSet rs = s.executeQuery(sql)) {
                        while (rs.next()) {
                            if (i == last && rs.getLong("Pos") >= to.position()) {
                                break;
                            }
                            if ("Table_map".equals(rs.getString("Event_type"))) {
                                Matcher m = TABLE.matcher(rs.getString("Info"));
                                if (m.find()) {
                                    counts.merge(m.group(1), 1, Integer::sum);
                                }
                            }
                        }
                    }
                }
            }
            return counts;
        }
    }

    MigrationRun start(String database, Controls controls, List<io.transmog.engine.db.ConnectionConfig> replicas) {
        MigrationRun run = MigrationRun.start(primary, database, "t", ALTER, controls, b -> b.replicas(replicas));
        runs.add(run);
        return run;
    }

    /** Lets the cut-over go once the writers have stopped, so old and new table can be compared exactly. */
    static MigrationStatus finishWithoutWriters(MigrationRun run, WriteLoad writers) throws Exception {
        run.controls().setChunkSize(2000);
        run.controls().setNiceRatio(0);
        run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(3));
        writers.stop();
        assertThat(writers.unexpectedErrors()).as("writer errors").isEmpty();
        run.controls().setPostponeCutOver(false);
        return run.finish(Duration.ofMinutes(2));
    }

    @Test
    void replicaWithStoppedSqlThreadThrottlesUntilItRunsAgain() throws Exception {
        String database = createTable(primary, "throttle_replica", ROWS);
        replica.awaitCaughtUp();
        Controls controls = slowControls(100, 5.0, 500);
        controls.setPostponeCutOver(true);
        String replicaName = "replica " + replica.host() + ":" + replica.port();
        try (WriteLoad writers = writers(primary, database, 2)) {
            MigrationRun run = start(database, controls, List.of(MigrationRun.connection(replica, database)));
            run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.snapshot().rowsCopied() > 3_000);
            // With the replica applying, its lag stays under the limit: not throttled on its account.
            await().atMost(Duration.ofSeconds(10)).until(() -> !String.valueOf(run.snapshot().throttleReason()).contains(replicaName));
            assertThat(run.snapshot().replicaLagMillis()).isLessThan(500);

            replica.execute(null, replica.isMySql() ? "STOP REPLICA SQL_THREAD" : "STOP SLAVE SQL_THREAD");
            long stopped = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> String.valueOf(run.snapshot().throttleReason()).contains(replicaName));
            long throttledAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
            MigrationStatus throttled = run.snapshot();
            System.out.printf("replica SQL thread stopped -> throttled after %d ms: %s%n", throttledAfter, throttled.throttleReason());
            assertThat(throttled.throttled()).isTrue();
            assertThat(throttled.throttleReason()).matches(".*" + Pattern.quote(replicaName) + " lag \\d+\\.\\ds > 0\\.5s.*");
            assertThat(throttled.phase()).isEqualTo(Phase.Copying);

            // While throttled, no row is copied.
            long copied = run.snapshot().rowsCopied();
            Thread.sleep(1500);
            assertThat(run.snapshot().rowsCopied()).as("rows copied while throttled").isEqualTo(copied);
            assertThat(run.snapshot().replicaLagMillis()).isGreaterThan(1000);

            replica.execute(null, replica.isMySql() ? "START REPLICA SQL_THREAD" : "START SLAVE SQL_THREAD");
            long started = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !String.valueOf(run.snapshot().throttleReason()).contains(replicaName));
            System.out.printf("replica SQL thread started -> throttling ended after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            await().atMost(Duration.ofSeconds(15)).until(() -> run.snapshot().rowsCopied() > copied);

            MigrationStatus result = finishWithoutWriters(run, writers);
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        }
        assertMigratedIdentically(primary, database);
        replica.awaitCaughtUp();
        try (Connection p = primary.connect(database); Connection r = replica.connect(database)) {
            assertThat(TableChecksum.of(r, database, "t")).as("replica's copy of the migrated table")
                    .isEqualTo(TableChecksum.of(p, database, "t"));
        }
    }

    @Test
    void unreachableReplicaThrottlesInsteadOfAborting() throws Exception {
        String database = createTable(primary, "throttle_replica_down", ROWS);
        replica.awaitCaughtUp();
        Controls controls = slowControls(100, 5.0, 1500);
        controls.setPostponeCutOver(true);
        String replicaName = "replica " + replica.host() + ":" + replica.port();
        try (WriteLoad writers = writers(primary, database, 2)) {
            MigrationRun run = start(database, controls, List.of(MigrationRun.connection(replica, database)));
            run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.snapshot().rowsCopied() > 2_000);
            try {
                replica.stop();
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                        .until(() -> String.valueOf(run.snapshot().throttleReason()).contains(replicaName + " lag unknown"));
                long copied = run.snapshot().rowsCopied();
                Thread.sleep(2000);
                assertThat(run.snapshot().phase()).as(run.snapshot().message()).isEqualTo(Phase.Copying);
                assertThat(run.snapshot().rowsCopied()).as("rows copied while the replica is down").isEqualTo(copied);
            } finally {
                replica.restart();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !run.snapshot().throttled());
            MigrationStatus result = finishWithoutWriters(run, writers);
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        }
        assertMigratedIdentically(primary, database);
    }

    @Test
    void throttleQueryHoldsTheCopyWhileItReturnsAPositiveNumber() throws Exception {
        String database = createTable(primary, "throttle_query", ROWS);
        primary.execute(database, "CREATE TABLE knob (busy INT NOT NULL)", "INSERT INTO knob VALUES (0)");
        Controls controls = slowControls(100, 5.0, 1500);
        controls.setThrottleQuery("SELECT busy FROM `" + database + "`.knob");
        controls.setPostponeCutOver(true);
        try (WriteLoad writers = writers(primary, database, 2)) {
            MigrationRun run = start(database, controls, List.of());
            run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.snapshot().rowsCopied() > 2_000);
            assertThat(run.snapshot().throttled()).isFalse();

            primary.execute(database, "UPDATE knob SET busy = 3");
            long set = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> "throttle-query returned 3".equals(run.snapshot().throttleReason()));
            System.out.printf("throttle query turned positive -> throttled after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - set));
            long copied = run.snapshot().rowsCopied();
            Thread.sleep(1500);
            assertThat(run.snapshot().rowsCopied()).isEqualTo(copied);

            // A query that fails holds the copy too (the check it stands for cannot be made), without aborting.
            controls.setThrottleQuery("SELECT busy FROM `" + database + "`.no_such_table");
            await().atMost(Duration.ofSeconds(3)).until(() ->
                    String.valueOf(run.snapshot().throttleReason()).startsWith("throttle-query failed:"));
            assertThat(run.snapshot().throttleReason()).contains("no_such_table");

            primary.execute(database, "UPDATE knob SET busy = 0");
            controls.setThrottleQuery("SELECT busy FROM `" + database + "`.knob");
            await().atMost(Duration.ofSeconds(3)).until(() -> !run.snapshot().throttled());
            await().atMost(Duration.ofSeconds(5)).until(() -> run.snapshot().rowsCopied() > copied);

            MigrationStatus result = finishWithoutWriters(run, writers);
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        }
        assertMigratedIdentically(primary, database);
    }

    /**
     * gh-ost's nice ratio: after each chunk the copy rests that many times as long as the chunk took, however short the
     * chunk. Ten narrow rows take about a millisecond to copy on a quiet server, and whole milliseconds once rounded
     * a chunk under one to no rest at all. Where chunks take around a millisecond that left part of the rest, and this
     * test may pass on it (it failed once of two times here); {@code ControlsTest} pins the arithmetic.
     */
    @Test
    void niceRatioRestsAfterEveryChunkHoweverShort() throws Exception {
        long eager = copyMillis(0);
        long nice = copyMillis(9);
        System.out.printf("copy of 3,000 rows in chunks of %d: %d ms at nice ratio 0, %d ms at nice ratio 9%n",
                Controls.MIN_CHUNK_SIZE, eager, nice);
        // At least 10 times as long if the copy's own time stayed the same; 4 leaves room for a noisy machine.
        assertThat(nice).as("copy time at nice ratio 9, against %d ms at 0", eager).isGreaterThanOrEqualTo(4 * eager);
    }

    /** Copies a 3,000-row table in one stream of the smallest chunks under one writer; returns how long the copy took. */
    private long copyMillis(double niceRatio) throws Exception {
        String database = createTable(primary, "throttle_nice", 3_000);
        Controls controls = slowControls(Controls.MIN_CHUNK_SIZE, niceRatio, 1500);
        controls.setCopyThreads(1);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        try (WriteLoad writers = writers(primary, database, 1)) {
            run = start(database, controls, List.of());
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            writers.stop();
            assertThat(writers.unexpectedErrors()).as("writer errors").isEmpty();
        }
        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        try (Connection c = primary.connect(database)) {
            assertThat(TableComparison.firstDifference(c, database, "_t_del", COLUMNS, "t", COLUMNS, List.of("`id`")))
                    .as("difference between the old and the migrated table").isNull();
        }
        return TimeUnit.NANOSECONDS.toMillis(run.enteredAt(Phase.AwaitingCutOver).orElseThrow()
                - run.enteredAt(Phase.Copying).orElseThrow());
    }

    @Test
    void mistypedLiveLoadThresholdThrottlesButAMistypedInitialOneFailsFast() throws Exception {
        // Slow enough that the copy is still running on an idle machine when the typos arrive.
        String database = createTable(primary, "throttle_typo", 50_000);
        Controls controls = slowControls(100, 20.0, 1500);
        MigrationRun run = start(database, controls, List.of());
        run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
        controls.setMaxLoad(LoadThresholds.parse("max-load", "Threads_runing=5"));
        await().atMost(Duration.ofSeconds(3)).until(() ->
                String.valueOf(run.snapshot().throttleReason()).equals("max-load names unknown global status variable(s) Threads_runing"));
        controls.setMaxLoad(LoadThresholds.none());
        controls.setCriticalLoad(LoadThresholds.parse("critical-load", "Threads_conected=5"));
        await().atMost(Duration.ofSeconds(3)).until(() ->
                String.valueOf(run.snapshot().throttleReason()).equals("critical-load names unknown global status variable(s) Threads_conected"));
        assertThat(run.snapshot().phase()).isEqualTo(Phase.Copying);
        controls.setCriticalLoad(LoadThresholds.none());
        controls.setChunkSize(5000);
        controls.setNiceRatio(0);
        assertThat(run.finish(Duration.ofMinutes(1)).phase()).isEqualTo(Phase.Succeeded);

        String other = createTable(primary, "throttle_typo_start", 1000);
        Controls typo = new Controls(100, 0, 1500, LoadThresholds.none(), LoadThresholds.parse("--critical-load", "Threads_conected=5"));
        MigrationRun typoRun = MigrationRun.start(primary, other, "t", ALTER, typo, b -> b);
        runs.add(typoRun);
        MigrationStatus failed = typoRun.finish(Duration.ofMinutes(1));
        assertThat(failed.phase()).isEqualTo(Phase.Failed);
        assertThat(failed.message()).contains("critical-load names unknown global status variable(s) Threads_conected");
        assertThat(tableExists(primary, other, "_t_gho")).isFalse();
    }

    @Test
    void criticalLoadAbortsCleanlyAndLeavesTheOriginalUntouched() throws Exception {
        String database = createTable(primary, "throttle_critical", ROWS);
        Controls controls = slowControls(100, 5.0, 1500);
        MigrationRun run;
        try (WriteLoad writers = writers(primary, database, 2)) {
            run = start(database, controls, List.of());
            run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.snapshot().rowsCopied() > 3_000);
            writers.stop();
            assertThat(writers.unexpectedErrors()).isEmpty();
        }
        // From here on, only the migration could change the original.
        String createBefore = showCreate(primary, database, "t");
        TableChecksum before;
        try (Connection c = primary.connect(database)) {
            before = TableChecksum.of(c, database, "t");
        }
        assertThat(tableExists(primary, database, "_t_gho")).isTrue();

        long connected = primary.queryLong(null, "SELECT VARIABLE_VALUE FROM " + globalStatus(primary)
                + " WHERE UPPER(VARIABLE_NAME) = 'THREADS_CONNECTED'");
        controls.setCriticalLoad(LoadThresholds.parse("critical-load", "Threads_connected=" + (connected + 4)));
        Thread.sleep(1500);
        assertThat(run.snapshot().phase()).as("still running below the critical load").isEqualTo(Phase.Copying);

        List<Connection> extra = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                extra.add(primary.connect(null));
            }
            long opened = System.nanoTime();
            MigrationStatus result = run.finish(Duration.ofSeconds(30));
            System.out.printf("critical load (Threads_connected >= %d) -> %s after %d ms: %s%n", connected + 4,
                    result.phase(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened), result.message());
            assertThat(result.phase()).isEqualTo(Phase.Failed);
            assertThat(result.message()).contains("critical load reached", "Threads_connected=")
                    .contains("original untouched");
        } finally {
            for (Connection c : extra) {
                c.close();
            }
        }
        assertThat(showCreate(primary, database, "t")).isEqualTo(createBefore);
        try (Connection c = primary.connect(database)) {
            assertThat(TableChecksum.of(c, database, "t")).isEqualTo(before);
        }
        assertThat(tableExists(primary, database, "_t_gho")).as("ghost table left").isFalse();
        assertThat(tableExists(primary, database, "_t_ghc")).as("changelog table left").isFalse();
        assertThat(tableExists(primary, database, "_t_del")).isFalse();
    }

    @Test
    void criticalLoadWithHibernationStopsEverythingThenCarriesOn() throws Exception {
        String database = createTable(primary, "throttle_hibernate", ROWS);
        Controls controls = slowControls(100, 5.0, 1500);
        controls.setCriticalLoadHibernateSeconds(3);
        controls.setPostponeCutOver(true);
        try (WriteLoad writers = writers(primary, database, 2)) {
            MigrationRun run = start(database, controls, List.of());
            run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.snapshot().rowsCopied() > 3_000);

            long connected = primary.queryLong(null, "SELECT VARIABLE_VALUE FROM " + globalStatus(primary)
                    + " WHERE UPPER(VARIABLE_NAME) = 'THREADS_CONNECTED'");
            controls.setCriticalLoad(LoadThresholds.parse("critical-load", "Threads_connected=" + (connected + 4)));
            List<Connection> extra = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                extra.add(primary.connect(null));
            }
            long hibernating;
            try {
                await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                        .until(() -> String.valueOf(run.snapshot().throttleReason()).contains("hibernating"));
                hibernating = System.nanoTime();
                assertThat(run.snapshot().throttleReason()).contains("critical load reached: Threads_connected=");
                long copied = run.snapshot().rowsCopied();
                long ghostRows = count(primary, database, "_t_gho");
                Thread.sleep(2000);
                assertThat(run.snapshot().rowsCopied()).isEqualTo(copied);
                assertThat(count(primary, database, "_t_gho")).as("ghost rows while hibernating").isEqualTo(ghostRows);
            } finally {
                for (Connection c : extra) {
                    c.close();
                }
            }
            // Load back to normal: after the hibernation it copies again, without having aborted.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !run.snapshot().throttled());
            long resumedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hibernating);
            System.out.printf("hibernation (3 s) ended; copying again %d ms after it was seen%n", resumedAfter);
            assertThat(resumedAfter).isGreaterThanOrEqualTo(500);

            MigrationStatus result = finishWithoutWriters(run, writers);
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        }
        assertMigratedIdentically(primary, database);
    }

    /**
     * A backlog far larger than a lock may wait for (here: piled up while paused) is worked off before the checksum
     * pass and the cut-over take their locks: the writers do not wait for it. Before, the pass re-synced it all under
     * its READ lock, and a writer waited as long as the whole backlog took.
     */
    @Test
    void backlogIsWorkedOffBeforeAnyLockIsTaken() throws Exception {
        String database = createTable(primary, "throttle_backlog", ROWS);
        Controls controls = slowControls(2000, 0, 60_000);
        controls.setPostponeCutOver(true);
        // One key per transaction: re-syncing the backlog takes seconds, far longer than a lock may wait (1 s).
        MigrationRun run = MigrationRun.start(primary, database, "t", ALTER, controls,
                b -> b.cutOverLockTimeoutSeconds(1).dmlBatchSize(1));
        runs.add(run);
        run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
        controls.setPaused(true);
        run.awaitPhase(Phase.Paused, Duration.ofSeconds(5));
        long applied = run.snapshot().eventsApplied();
        primary.execute(database, "UPDATE t SET v = v + 1, pad = CONCAT('backlog-', id) WHERE id <= 20000");
        Thread.sleep(2_000); // the stream takes in the 20,000 changed keys; nothing applies them while paused
        assertThat(run.snapshot().eventsApplied()).as("keys applied while paused").isEqualTo(applied);

        try (LongestWrite writer = new LongestWrite(primary, database)) {
            long resumed = System.nanoTime();
            controls.setPostponeCutOver(false);
            controls.setPaused(false);
            await().atMost(Duration.ofMinutes(2)).until(() -> run.snapshot().eventsApplied() >= applied + 20_000
                    || run.snapshot().phase().isTerminal());
            long backlogMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
            MigrationStatus result = run.finish(Duration.ofMinutes(3));
            System.out.printf("backlog of 20,000 keys applied in %d ms; longest write to the original %d ms%n",
                    backlogMillis, writer.longestMillis());
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
            assertThat(result.cutOverAttempts()).as("cut-over attempts").isEqualTo(1);
            assertThat(writer.longestMillis()).as("longest write to the original, against %d ms to apply the backlog",
                    backlogMillis).isLessThan(backlogMillis / 4);
        }
        assertMigratedIdentically(primary, database);
    }

    /** A writer that times its statements, each a no-op UPDATE of the original (it waits for locks, changes nothing). */
    private static final class LongestWrite implements AutoCloseable {
        private final AtomicLong longestNanos = new AtomicLong();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        LongestWrite(MariaDbServer server, String database) {
            thread = new Thread(() -> {
                try (Connection c = server.connect(database); Statement s = c.createStatement()) {
                    while (running.get()) {
                        long started = System.nanoTime();
                        s.executeUpdate("UPDATE t SET v = v WHERE id = " + (ROWS - 1));
                        longestNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    failure.set(e);
                }
            }, "longest-write");
            thread.start();
        }

        long longestMillis() {
            assertThat(failure.get()).as("writer failure").isNull();
            return TimeUnit.NANOSECONDS.toMillis(longestNanos.get());
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    @Test
    void pausedMigrationWritesNothingToTheGhostTable() throws Exception {
        String database = createTable(primary, "throttle_pause", ROWS);
        String ghost = database + "._t_gho";
        String original = database + ".t";
        Controls controls = slowControls(100, 5.0, 1500);
        controls.setPostponeCutOver(true);
        try (WriteLoad writers = writers(primary, database, 2)) {
            MigrationRun run = start(database, controls, List.of());
            run.awaitPhase(Phase.Copying, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.snapshot().rowsCopied() > 3_000);

            controls.setPaused(true);
            long asked = System.nanoTime();
            run.awaitPhase(Phase.Paused, Duration.ofSeconds(2));
            System.out.printf("pause requested -> phase Paused after %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));
            assertThat(run.snapshot().throttleReason()).isEqualTo("paused");

            Binlog.Position from = Binlog.current(primary);
            long ghostRows = count(primary, database, "_t_gho");
            long copied = run.snapshot().rowsCopied();
            long writes = writers.statements();
            Thread.sleep(10_000);
            long ghostRowsAfter = count(primary, database, "_t_gho");
            Binlog.Position to = Binlog.current(primary);
            assertThat(run.snapshot().phase()).isEqualTo(Phase.Paused);
            assertThat(run.snapshot().rowsCopied()).isEqualTo(copied);

            controls.setPaused(false);
            await().atMost(Duration.ofSeconds(2)).until(() -> run.snapshot().phase() == Phase.Copying);

            Map<String, Integer> events = Binlog.tableMapsBetween(primary, from, to);
            System.out.printf("10 s paused: %d writer statements; binlog table maps %s%n", writers.statements() - writes, events);
            assertThat(ghostRowsAfter).as("ghost rows after 10 s paused").isEqualTo(ghostRows);
            assertThat(events.getOrDefault(ghost, 0)).as("binlog events for the ghost table while paused").isZero();
            // The check can see writes: the writers' to the original and the heartbeats are there.
            assertThat(events.getOrDefault(original, 0)).as("binlog events for the original while paused").isGreaterThan(100);
            assertThat(events.getOrDefault(database + "._t_ghc", 0)).as("heartbeats while paused").isGreaterThan(10);

            // After resuming, the ghost is written again: the held-back changes and the copy.
            Binlog.Position resumed = Binlog.current(primary);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    Binlog.tableMapsBetween(primary, resumed, Binlog.current(primary)).getOrDefault(ghost, 0) > 0);

            MigrationStatus result = finishWithoutWriters(run, writers);
            assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        }
        assertMigratedIdentically(primary, database);
    }
}
