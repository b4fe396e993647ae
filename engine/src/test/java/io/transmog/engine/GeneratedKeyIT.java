package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.RequiresServer;
import io.transmog.testdb.ServerFlavor;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unique keys over generated columns (gh-ost parity): a STORED generated column that is NOT NULL (MySQL allows it)
 * finds rows like any column and may be the chunking key; a VIRTUAL one, or one that allows NULL (MariaDB's generated
 * columns always do), is refused naming the key and the reason.
 */
class GeneratedKeyIT {

    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void aStoredGeneratedUniqueKeyIsTheChunkingKeyUnderWrites() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("genkey");
        server.execute(database, "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, v VARCHAR(20),"
                        + " g BIGINT AS (a * 100000 + b) STORED NOT NULL, UNIQUE KEY uk_g (g))",
                "INSERT INTO t (a, b, v) WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000)"
                        + " SELECT n DIV 100, n % 100, CONCAT('v', n) FROM s");
        String alter = "ADD COLUMN w INT NOT NULL DEFAULT 3, MODIFY v VARCHAR(40)";
        Controls controls = MigrationRun.controls(100);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00", random -> {
            int a = random % 40;
            int b = (random >>> 8) % 100;
            return switch (random % 3) {
                case 0 -> "INSERT IGNORE INTO t (a, b, v) VALUES (" + a + ", " + b + ", 'new')";
                case 1 -> "UPDATE t SET v = CONCAT('u', " + (random % 1000) + "), b = (b + 1) % 100 WHERE a = " + a + " AND b = " + b;
                default -> "DELETE FROM t WHERE a = " + a + " AND b = " + b;
            };
        })) {
            run = MigrationRun.start(server, database, "t", alter, controls, b -> b);
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            load.stop();
            assertThat(load.unexpectedErrors()).isEmpty();
        }
        run.catchUp();
        assertThat(run.snapshot().plan()).contains("chunking key:     uk_g (`g`)");
        server.execute(database, "CREATE TABLE oracle LIKE t", "INSERT INTO oracle (a, b, v) SELECT a, b, v FROM t",
                "ALTER TABLE oracle " + alter);
        List<String> columns = List.of("a", "b", "v", "g", "w");
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "oracle", columns, "_t_gho", columns, List.of("g")))
                    .isNull();
        }
        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    /**
     * MySQL's sql_generate_invisible_primary_key gives a table created without a primary key an invisible one,
     * {@code my_row_id}: it is the table's only key, so the migration chunks and re-syncs by it, copies it with the
     * rows, and the new table keeps it (with its counter) invisible.
     */
    @Test
    @RequiresServer(ServerFlavor.MYSQL_9_7)
    void aTableWhoseOnlyKeyIsAGeneratedInvisiblePrimaryKeyMigratesUnderWrites() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("gipk");
        server.execute(database, "SET SESSION sql_generate_invisible_primary_key = ON",
                "CREATE TABLE t (v INT NOT NULL, w VARCHAR(20))",
                "INSERT INTO t (v, w) SELECT seq, CONCAT('w', seq) FROM seq_1_to_3000");
        assertThat(gipk(server, database)).isEqualTo("bigint unsigned auto_increment INVISIBLE");
        assertThat(server.queryString(database, "SELECT GROUP_CONCAT(COLUMN_NAME) FROM information_schema.STATISTICS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND INDEX_NAME = 'PRIMARY'")).isEqualTo("my_row_id");
        Controls controls = MigrationRun.controls(100);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00", random -> {
            int id = 1 + random % 3500;
            return switch (random % 4) {
                case 0 -> "INSERT INTO t (v, w) VALUES (" + random % 1000 + ", 'new')";
                case 1 -> "UPDATE t SET w = CONCAT('u', " + random % 1000 + ") WHERE my_row_id = " + id;
                case 2 -> "UPDATE t SET v = v + 1 WHERE my_row_id = " + id;
                default -> "DELETE FROM t WHERE my_row_id = " + id;
            };
        })) {
            run = MigrationRun.start(server, database, "t", "ADD COLUMN x INT NOT NULL DEFAULT 9, MODIFY w VARCHAR(40)",
                    controls, b -> b);
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            load.stop();
            assertThat(load.unexpectedErrors()).isEmpty();
        }
        run.catchUp();
        assertThat(run.snapshot().plan()).contains("chunking key:     PRIMARY (`my_row_id`)");
        List<String> columns = List.of("my_row_id", "v", "w");
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "t", columns, "_t_gho", columns,
                    List.of("my_row_id"))).isNull();
        }
        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "_t_del", columns, "t", columns,
                    List.of("my_row_id"))).isNull();
        }
        assertThat(gipk(server, database)).as("still invisible").isEqualTo("bigint unsigned auto_increment INVISIBLE");
        // New rows continue the counter instead of reusing ids of deleted rows.
        long before = server.queryLong(database, "SELECT MAX(my_row_id) FROM _t_del");
        server.execute(database, "INSERT INTO t (v, w) VALUES (1, 'after')");
        assertThat(server.queryLong(database, "SELECT my_row_id FROM t WHERE w = 'after'")).isGreaterThan(before);
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    private static String gipk(MariaDbServer server, String database) {
        return server.queryString(database, "SELECT CONCAT(COLUMN_TYPE, ' ', EXTRA) FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'my_row_id'");
    }

    @Test
    void aVirtualGeneratedUniqueKeyIsRefusedNamingWhy() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("genkey_virtual");
        server.execute(database, "CREATE TABLE t (a INT NOT NULL, g INT AS (a + 1) VIRTUAL"
                + (server.isMySql() ? " NOT NULL" : "") + ", UNIQUE KEY uk_g (g))", "INSERT INTO t (a) VALUES (1), (2)");

        MigrationStatus result = MigrationRun.start(server, database, "t", "ADD COLUMN c INT", MigrationRun.controls(100),
                b -> b).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("has no usable unique key").contains("uk_g is not usable: `g`")
                .contains(server.isMySql() ? "is a VIRTUAL generated column" : "allows NULL");
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactly("t");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }
}
