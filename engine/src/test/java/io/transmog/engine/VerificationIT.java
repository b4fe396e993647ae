package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Safety issue, acceptance 5: rows of the ghost table corrupted behind the migration's
 * back (changed, deleted, added) are found by the checksum pass before the cut-over and
 * re-copied, so the swapped-in table is right anyway.
 */
class VerificationIT {
    private static final List<String> COLUMNS = List.of("id", "v", "note");

    @Test
    void corruptedGhostRowsAreFoundAndRepairedBeforeTheCutOver() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("verify");
        server.execute(database, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, note VARCHAR(40)) ENGINE=InnoDB",
                "INSERT INTO t SELECT seq, seq * 3, CONCAT('row ', seq) FROM seq_1_to_20000");
        Controls controls = MigrationRun.controls(1000);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00",
                r -> "UPDATE t SET v = v + 1 WHERE id = " + (1 + r % 20000))) {
            run = MigrationRun.start(server, database, "t", "ADD COLUMN extra INT NOT NULL DEFAULT 0", controls, b -> b);
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            load.stop();
            assertThat(load.unexpectedErrors()).isEmpty();
        }
        run.catchUp();
        server.execute(database,
                "UPDATE _t_gho SET note = 'corrupted' WHERE id = 777",
                "DELETE FROM _t_gho WHERE id = 15000",
                "INSERT INTO _t_gho (id, v, note, extra) VALUES (25000, 1, 'not in the original', 0)");

        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(2));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "_t_del", COLUMNS, "t", COLUMNS, List.of("`id`")))
                    .as("the swapped-in table after repair").isNull();
        }
    }
}
