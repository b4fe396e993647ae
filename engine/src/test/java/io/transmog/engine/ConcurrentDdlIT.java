package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DDL while a migration streams the binlog: a change of the migrated table stops it (its row events would no longer
 * match the column list read at the start); objects that only share the table's name leave it running.
 */
class ConcurrentDdlIT {

    @Test
    void objectsNamedLikeTheTableDoNotStopTheMigrationButAlteringTheTableDoes() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("ddl");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT)",
                "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)");
        Controls controls = MigrationRun.controls(100);
        controls.setPostponeCutOver(true);
        MigrationRun run = MigrationRun.start(server, database, "t", "ADD COLUMN w INT", controls, b -> b);
        run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(1));

        server.execute(database,
                "CREATE EVENT t ON SCHEDULE EVERY 1 DAY DO DELETE FROM t WHERE id < 0",
                "DROP EVENT t",
                "CREATE VIEW `_t_gho_view` AS SELECT 1 AS one",
                "DROP VIEW `_t_gho_view`",
                "CREATE TABLE copy_of_t LIKE t",
                "DROP TABLE copy_of_t",
                "INSERT INTO t VALUES (4, 4)");
        run.catchUp();
        assertThat(run.snapshot().phase()).as(run.snapshot().message()).isEqualTo(Phase.AwaitingCutOver);

        server.execute(database, "ALTER TABLE t ADD COLUMN late INT");
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("a statement changed").contains("ALTER TABLE t ADD COLUMN late INT");
        assertThat(MigrationIntegrityIT.tables(server, database)).containsExactly("t");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }
}
