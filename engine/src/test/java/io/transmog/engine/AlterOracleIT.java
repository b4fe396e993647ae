package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server is the oracle for what an ALTER does to a table's values: migrate under concurrent writers, hold the
 * cut-over, copy the original as it is then into a table of its own, run the ALTER natively on that copy, and
 * require the ghost to equal it in every column, then the swapped-in table too. These ALTERs reuse a column's name
 * for another column, where a mapping by name alone carries the wrong values.
 */
class AlterOracleIT {
    private static final String COLUMNS = "id INT NOT NULL PRIMARY KEY, a INT NULL, b VARCHAR(20) NULL, c1 INT NULL, k INT NOT NULL DEFAULT 0";
    private static final int KEY_DOMAIN = 3000;

    record Case(String name, String alter, boolean renames) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("drop-and-re-add", "DROP COLUMN c1, ADD COLUMN c1 INT NOT NULL DEFAULT 47", false),
                new Case("drop-and-re-add-without-column-word", "DROP c1, ADD c1 VARCHAR(10) NULL DEFAULT 'new'", false),
                new Case("drop-if-exists-and-re-add", "DROP COLUMN IF EXISTS `c1`, ADD COLUMN `c1` BIGINT NULL", false),
                new Case("renamed-away-and-name-reused", "CHANGE COLUMN c1 c2 INT NULL, ADD COLUMN c1 INT NOT NULL DEFAULT 5", true),
                new Case("drop-and-rename-into-its-name", "DROP COLUMN a, CHANGE COLUMN c1 a INT NULL", true),
                new Case("swap-two-names", "CHANGE COLUMN a c1 INT NULL, CHANGE COLUMN c1 a INT NULL", true),
                new Case("modify-in-place", "MODIFY COLUMN c1 BIGINT NULL, MODIFY b VARCHAR(40) NULL", false),
                // The original's key (id) stays unique on the new table, whose own key only extends it.
                new Case("primary-key-extended", "DROP PRIMARY KEY, ADD PRIMARY KEY (id, k)", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ghostEqualsTheServersOwnAlterUnderConcurrentWrites(Case alterCase) throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        Assumptions.assumeFalse(server.isMySql() && alterCase.alter().contains("IF EXISTS"),
                "DROP COLUMN IF EXISTS is MariaDB syntax; MySQL has no such clause");
        String database = server.createDatabase("oracle_" + alterCase.name().replace('-', '_'));
        server.execute(database, "CREATE TABLE t (" + COLUMNS + ") ENGINE=InnoDB",
                "INSERT INTO t VALUES (1, 11, 'x', 11, 0), (2, 13, NULL, 13, 0), (3, NULL, 'y', NULL, 1)",
                "INSERT INTO t SELECT seq, seq % 97, CONCAT('r', seq), IF(seq % 5 = 0, NULL, seq % 89), seq % 3 FROM seq_4_to_2000");

        Controls controls = MigrationRun.controls(100);
        controls.setNiceRatio(0.5);
        controls.setPostponeCutOver(true);
        MigrationRun run;
        try (WriteLoad load = new WriteLoad(server, database, 2, "+00:00", AlterOracleIT::randomWrite)) {
            run = MigrationRun.start(server, database, "t", alterCase.alter(), controls,
                    b -> b.approveRenamedColumns(alterCase.renames()));
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            load.stop();
            assertThat(load.unexpectedErrors()).as("writer errors").isEmpty();
            assertThat(load.statements()).as("writes during the migration").isGreaterThan(50);
        }
        run.catchUp();
        server.execute(database, "CREATE TABLE oracle LIKE t", "INSERT INTO oracle SELECT * FROM t",
                "ALTER TABLE oracle " + alterCase.alter());
        List<String> columns = MigrationIntegrityIT.columns(server, database, "oracle");
        assertThat(MigrationIntegrityIT.columns(server, database, "_t_gho")).isEqualTo(columns);
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "oracle", columns, "_t_gho", columns, List.of("id")))
                    .as("ghost vs the server's own ALTER").isNull();
        }

        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "oracle", columns, "t", columns, List.of("id")))
                    .as("swapped-in table vs the server's own ALTER").isNull();
        }
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    /** An empty table has no chunk to copy; its key reads must not hold a lock the cut-over's RENAME waits on. */
    @Test
    void emptyTableCutsOverAtTheFirstAttempt() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("oracle_empty");
        server.execute(database, "CREATE TABLE t (" + COLUMNS + ") ENGINE=InnoDB");

        MigrationRun run = MigrationRun.start(server, database, "t", "ADD COLUMN d INT NOT NULL DEFAULT 1",
                MigrationRun.controls(100), b -> b);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));

        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        assertThat(result.cutOverAttempts()).as("cut-over attempts").isEqualTo(1);
        assertThat(MigrationIntegrityIT.columns(server, database, "t")).containsExactly("id", "a", "b", "c1", "k", "d");
        assertThat(server.queryLong(database, "SELECT COUNT(*) FROM t")).isZero();
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    private static String randomWrite(int random) {
        long n = 1 + (random >>> 4) % KEY_DOMAIN;
        return switch (random % 8) {
            case 0, 1, 2 -> "UPDATE t SET a = " + (random % 1000) + ", c1 = IF(RAND() < 0.2, NULL, " + (random % 777)
                    + "), b = CONCAT('u', " + (random % 50) + ") WHERE id = " + n;
            case 3, 4 -> "INSERT INTO t VALUES (" + n + ", " + (random % 100) + ", 'i', " + (random % 300) + ", " + (random % 4) + ")";
            case 5 -> "DELETE FROM t WHERE id = " + n;
            case 6 -> "UPDATE t SET k = k + 1 WHERE id = " + n;
            default -> "UPDATE t SET c1 = c1 + 1 WHERE id = " + n;
        };
    }
}
