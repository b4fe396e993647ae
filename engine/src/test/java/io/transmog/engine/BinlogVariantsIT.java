package io.transmog.engine;

import io.transmog.engine.checkpoint.Checkpoint;
import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.RequiresServer;
import io.transmog.testdb.ServerFlavor;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions that log their changes differently from the server's defaults, writing the table the whole time a
 * migration copies it: every change must reach the ghost, or the migration must stop saying why. The binlog
 * settings involved are each settable per session, so checking the server's global values cannot rule them out.
 */
class BinlogVariantsIT {
    private static final int SEED_ROWS = 3000;
    private static final int KEY_DOMAIN = 4000;
    /** A composite key whose decoding needs the stream's exact-bytes and microsecond modes. */
    private static final String TABLE = "CREATE TABLE t (region VARCHAR(20) CHARACTER SET utf8mb4 NOT NULL,"
            + " at DATETIME(6) NOT NULL, n INT NOT NULL, v VARCHAR(40), doc JSON, PRIMARY KEY (region, at))";
    private static final String COLUMNS = "region, at, n, v, doc";

    private static String region(Object n) {
        return "ELT(1 + " + n + " % 4, 'eu', 'ápac', '😀zone', 'us')";
    }

    private static String at(Object n) {
        return "TIMESTAMPADD(MICROSECOND, " + n + " * 7919000123, '2020-01-01 00:00:00.000000')";
    }

    /** The row of key number {@code n} (a number or an SQL expression). */
    private static String row(Object n) {
        return region(n) + ", " + at(n) + ", " + n + ", CONCAT('v', RAND()), JSON_OBJECT('n', " + n + ", 'r', RAND())";
    }

    /** Inserts, updates (of the key too) and deletes over the key domain. */
    private static String randomWrite(int random) {
        long n = 1 + (random >>> 4) % KEY_DOMAIN;
        long m = 1 + (random >>> 16) % KEY_DOMAIN;
        String where = " WHERE region = " + region(n) + " AND at = " + at(n);
        return switch (random % 8) {
            case 0, 1 -> "INSERT IGNORE INTO t (" + COLUMNS + ") VALUES (" + row(n) + ")";
            case 2, 3 -> "UPDATE t SET v = CONCAT('u', RAND())" + where;
            case 4 -> "UPDATE t SET doc = JSON_SET(doc, '$.r', RAND())" + where;
            case 5 -> "UPDATE IGNORE t SET region = " + region(m) + ", at = " + at(m) + ", n = " + m + where;
            default -> "DELETE FROM t" + where;
        };
    }

    private static String seed(String database, MariaDbServer server) {
        server.execute(database, TABLE, "INSERT INTO t (" + COLUMNS + ") SELECT " + row("seq") + " FROM seq_1_to_" + SEED_ROWS);
        return database;
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void compressedTransactionsReachTheGhost() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        long compressedBefore = compressedTransactions(server);
        migrateUnderWrites(server, "compressed", List.of("SET SESSION binlog_transaction_compression = ON"),
                BinlogVariantsIT::randomWrite, b -> b);
        assertThat(compressedTransactions(server)).as("the writers' transactions were logged compressed")
                .isGreaterThan(compressedBefore + 50);
    }

    @Test
    void sessionsLoggingMinimalRowImagesReachTheGhost() throws Exception {
        // binlog_row_image=MINIMAL logs only the key in the before image and only changed columns in the after
        // image: the key must be found by its column, not by its position in a full row.
        migrateUnderWrites(MariaDbServer.shared(), "minimal", List.of("SET SESSION binlog_row_image = 'MINIMAL'"),
                BinlogVariantsIT::randomWrite, b -> b);
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void taggedGtidTransactionsReachTheGhostAndCheckpointsKeepTheirPositions() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = migrateUnderWrites(server, "tagged", List.of("SET SESSION gtid_next = 'AUTOMATIC:transmog'"),
                BinlogVariantsIT::randomWrite, b -> b.keepChangelogOnSuccess(true));
        assertThat(server.queryString(null, "SELECT @@global.gtid_executed")).as("tagged GTIDs were logged")
                .contains(":transmog:");
        Checkpoint last = Checkpoint.fromJson(server.queryString(database,
                "SELECT `value` FROM `_t_ghc` WHERE `hint` = 'checkpoint'"));
        String[] now = binaryLogStatus(server);
        assertThat(last.binlog().file()).isEqualTo(now[0]);
        assertThat(last.binlog().position()).as("the last checkpoint is past the tagged transactions of the copy")
                .isGreaterThan(Long.parseLong(server.queryString(database, "SELECT `value` FROM `position_at_start`")));
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void withGtidFlagTaggedGtidsMakeCheckpointsFallBackToPositions() throws Exception {
        // The binlog client can neither send a GTID set with tags nor add a tagged transaction to its set; a set
        // recorded without it would make a resumed stream replay that transaction out of order.
        MariaDbServer server = MariaDbServer.shared();
        String database = migrateUnderWrites(server, "tagged_gtid", List.of("SET SESSION gtid_next = 'AUTOMATIC:transmog'"),
                BinlogVariantsIT::randomWrite, b -> b.gtid(true).keepChangelogOnSuccess(true));
        Checkpoint last = Checkpoint.fromJson(server.queryString(database,
                "SELECT `value` FROM `_t_ghc` WHERE `hint` = 'checkpoint'"));
        assertThat(last.gtid()).as("no GTID set that misses the tagged transactions").isEmpty();
        assertThat(last.binlog().position()).isGreaterThan(Long.parseLong(
                server.queryString(database, "SELECT `value` FROM `position_at_start`")));
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void compressionSwitchedOnGloballyReachesTheGhost() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        long compressedBefore = compressedTransactions(server);
        server.execute(null, "SET GLOBAL binlog_transaction_compression = ON");
        try {
            migrateUnderWrites(server, "compressed_global", List.of(), BinlogVariantsIT::randomWrite, b -> b);
        } finally {
            server.execute(null, "SET GLOBAL binlog_transaction_compression = OFF");
        }
        assertThat(compressedTransactions(server)).as("the writers' transactions were logged compressed")
                .isGreaterThan(compressedBefore + 50);
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void vectorColumnsElsewhereDoNotStopTheStreamAndAVectorTableIsRefused() throws Exception {
        // MySQL 9's VECTOR is a binlog column type the library cannot decode; any table may have one.
        MariaDbServer server = MariaDbServer.shared();
        String elsewhere = server.createDatabase("vectors");
        server.execute(elsewhere, "CREATE TABLE vec (id INT AUTO_INCREMENT PRIMARY KEY, emb VECTOR(3))");
        migrateUnderWrites(server, "beside_vectors", List.of(), random -> random % 3 == 0
                ? "INSERT INTO `" + elsewhere + "`.vec (emb) VALUES (STRING_TO_VECTOR('[1, " + random + ", -1.5]'))"
                : randomWrite(random), b -> b);
        assertThat(server.queryLong(elsewhere, "SELECT COUNT(*) FROM vec")).as("vector rows written meanwhile").isPositive();

        MigrationStatus refused = MigrationRun.start(server, elsewhere, "vec", "ADD COLUMN x INT",
                MigrationRun.controls(100), b -> b).finish(Duration.ofMinutes(1));
        assertThat(refused.phase()).isEqualTo(Phase.Failed);
        assertThat(refused.message()).contains("column emb is VECTOR");
        assertThat(tables(server, elsewhere)).containsExactly("vec");
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void partialJsonUpdatesStopTheMigrationSayingWhy() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = seed(server.createDatabase("partial_json"), server);
        Controls controls = MigrationRun.controls(100);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        MigrationStatus result;
        try (WriteLoad load = new WriteLoad(server, database, 1, "+00:00",
                List.of("SET SESSION binlog_row_value_options = 'PARTIAL_JSON'"),
                random -> "UPDATE t SET doc = JSON_SET(doc, '$.r', " + random + ") WHERE n = " + (1 + random % SEED_ROWS))) {
            run = MigrationRun.start(server, database, "t", "ADD COLUMN x INT", controls, b -> b);
            result = run.finish(Duration.ofMinutes(2));
            assertThat(load.unexpectedErrors()).isEmpty();
        }
        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("partial JSON update").contains("binlog_row_value_options=''");
        assertThat(tables(server, database)).containsExactly("t");
    }

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void partialJsonLoggingByDefaultIsRefusedBeforeAnythingIsCreated() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = seed(server.createDatabase("partial_json_global"), server);
        server.execute(null, "SET GLOBAL binlog_row_value_options = 'PARTIAL_JSON'");
        MigrationStatus result;
        try {
            result = MigrationRun.start(server, database, "t", "ADD COLUMN x INT", MigrationRun.controls(100), b -> b)
                    .finish(Duration.ofMinutes(1));
        } finally {
            server.execute(null, "SET GLOBAL binlog_row_value_options = ''");
        }
        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("binlog_row_value_options is PARTIAL_JSON");
        assertThat(tables(server, database)).containsExactly("t");
        // A table without JSON columns is not logged that way: nothing to refuse.
        server.execute(database, "CREATE TABLE plain (id INT PRIMARY KEY, v INT)", "INSERT INTO plain VALUES (1, 1)");
        server.execute(null, "SET GLOBAL binlog_row_value_options = 'PARTIAL_JSON'");
        try {
            result = MigrationRun.start(server, database, "plain", "ADD COLUMN x INT", MigrationRun.controls(100),
                    b -> b.execute(false)).finish(Duration.ofMinutes(1));
        } finally {
            server.execute(null, "SET GLOBAL binlog_row_value_options = ''");
        }
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Validated);
    }

    /**
     * Seeds the table, migrates it while one writer with these session settings runs, requires the ghost to equal
     * the original once the writer stopped, cuts over and compares the swapped tables. Returns the database.
     */
    private static String migrateUnderWrites(MariaDbServer server, String name, List<String> sessionSetup,
                                             IntFunction<String> writes,
                                             UnaryOperator<io.transmog.engine.MigrationConfig.Builder> customize)
            throws Exception {
        String database = seed(server.createDatabase(name), server);
        server.execute(database, "CREATE TABLE position_at_start (value BIGINT)",
                "INSERT INTO position_at_start VALUES (" + binaryLogStatus(server)[1] + ")");
        Controls controls = MigrationRun.controls(100);
        controls.setNiceRatio(1.0);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00", sessionSetup, writes)) {
            run = MigrationRun.start(server, database, "t", "ADD COLUMN x INT NOT NULL DEFAULT 5", controls, customize);
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            Thread.sleep(300);
            load.stop();
            assertThat(load.unexpectedErrors()).as("writer errors").isEmpty();
            assertThat(load.statements()).as("writes during the migration").isGreaterThan(50);
        }
        run.catchUp();
        List<String> columns = List.of("region", "at", "n", "v", "doc");
        List<String> order = List.of("region", "at");
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "t", columns, "_t_gho", columns, order))
                    .as("ghost vs original before the cut-over").isNull();
        }
        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "_t_del", columns, "t", columns, order))
                    .as("swapped tables").isNull();
        }
        return database;
    }

    private static long compressedTransactions(MariaDbServer server) {
        return server.queryLong(null, "SELECT COALESCE(SUM(TRANSACTION_COUNTER), 0)"
                + " FROM performance_schema.binary_log_transaction_compression_stats"
                + " WHERE LOG_TYPE = 'BINARY' AND COMPRESSION_TYPE = 'ZSTD'");
    }

    private static String[] binaryLogStatus(MariaDbServer server) throws Exception {
        try (Connection connection = server.connect(null); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(server.isMySql() ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS")) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }

    private static List<String> tables(MariaDbServer server, String database) throws Exception {
        List<String> tables = new ArrayList<>();
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW TABLES")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        tables.remove("position_at_start");
        return tables;
    }
}
