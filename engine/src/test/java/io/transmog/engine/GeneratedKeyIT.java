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
