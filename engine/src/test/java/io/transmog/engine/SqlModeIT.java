package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's sql_mode is kept (gh-ost parity): on a server that forbids zero dates, an ALTER that adds one as a
 * default is refused as the server's own ALTER would refuse it, and a table holding zero dates from a lenient past
 * does not copy; --allow-zero-in-date lets both through, values unchanged.
 */
class SqlModeIT {
    private static MariaDbServer server;

    @BeforeAll
    static void startStrictServer() {
        server = MariaDbServer.start(ServerOptions.defaults()
                .withVariable("sql_mode", "STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aZeroDateDefaultIsRefusedUnderTheServersModeAndAllowedWithTheFlag() throws Exception {
        String database = server.createDatabase("mode_default");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)", "INSERT INTO t VALUES (1, 1), (2, 2)");
        String alter = "ADD COLUMN d DATE NOT NULL DEFAULT '1970-00-00'";

        MigrationStatus refused = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(100), b -> b)
                .finish(Duration.ofMinutes(1));
        assertThat(refused.phase()).isEqualTo(Phase.Failed);
        assertThat(refused.message()).contains("the ALTER is invalid").contains("Invalid default value for 'd'");

        MigrationStatus allowed = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(100),
                b -> b.allowZeroInDate(true)).finish(Duration.ofMinutes(1));
        assertThat(allowed.phase()).as(allowed.message()).isEqualTo(Phase.Succeeded);
        assertThat(server.queryString(database, "SELECT GROUP_CONCAT(CAST(d AS CHAR)) FROM t")).isEqualTo("1970-00-00,1970-00-00");
    }

    @Test
    void zeroDatesAlreadyInTheTableCopyOnlyWithTheFlag() throws Exception {
        String database = server.createDatabase("mode_rows");
        server.execute(database, "SET SESSION sql_mode = ''",
                "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, d DATE NOT NULL, dt DATETIME NULL)",
                "INSERT INTO t VALUES (1, '0000-00-00', '2020-00-15 10:00:00'), (2, '2024-02-29', NULL)");
        String alter = "ADD COLUMN note VARCHAR(10) NULL";

        MigrationStatus refused = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(100), b -> b)
                .finish(Duration.ofMinutes(1));
        assertThat(refused.phase()).isEqualTo(Phase.Failed);
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactly("t");

        MigrationStatus allowed = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(100),
                b -> b.allowZeroInDate(true)).finish(Duration.ofMinutes(1));
        assertThat(allowed.phase()).as(allowed.message()).isEqualTo(Phase.Succeeded);
        assertThat(server.queryString(database, "SELECT GROUP_CONCAT(CONCAT_WS('|', id, CAST(d AS CHAR), CAST(dt AS CHAR))"
                + " ORDER BY id) FROM t")).isEqualTo("1|0000-00-00|2020-00-15 10:00:00,2|2024-02-29");
    }
}
