package io.transmog.engine.verify;

import io.transmog.engine.MigrationException;
import io.transmog.engine.MigrationStatus;
import io.transmog.engine.Phase;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.inspect.MigrationPlan.ColumnPair;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.TableNames;
import io.transmog.engine.support.MigrationRun;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The mapping check compares the engine's copy of sample rows with the server's own ALTER of them, in every dry run
 * and migration: ALTERs the engine maps right pass it, ALTERs the server itself cannot apply to the rows are refused
 * before anything is created, and a wrong mapping (injected here, since the engine's own is right) is caught.
 */
class MappingCheckIT {
    private static final String TABLE = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT NULL, b VARCHAR(20) CHARACTER SET utf8mb4 NULL,"
            + " c1 INT NULL, l VARCHAR(20) CHARACTER SET latin1 NULL, e ENUM('x','y','z') NULL, s SET('p','q') NULL,"
            // Generated from id and b, which no ALTER below drops or renames: MySQL refuses to drop or rename a column
            // a generated column uses ("has a generated column dependency"), MariaDB does not.
            + " g INT AS (id * 2) STORED, v VARCHAR(30) AS (CONCAT(b, '/', id)) VIRTUAL)";
    private static final String ROWS = "INSERT INTO t (id, a, b, c1, l, e, s) SELECT seq, IF(seq % 7 = 0, NULL, seq % 100),"
            + " IF(seq % 11 = 0, NULL, CONCAT('bé😀', seq)), IF(seq % 5 = 0, NULL, seq % 89), CONCAT('café', seq % 10),"
            + " ELT(1 + seq % 3, 'x', 'y', 'z'), IF(seq % 2 = 0, 'p,q', 'q') FROM seq_1_to_5000";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "drop and re-add               | DROP COLUMN c1, ADD COLUMN c1 INT NOT NULL DEFAULT 47",
            "change into another's name    | DROP COLUMN a, CHANGE COLUMN c1 a BIGINT NULL",
            "swap two names                | CHANGE COLUMN a c1 INT NULL, CHANGE COLUMN c1 a INT NULL",
            "widen and convert charset     | MODIFY a BIGINT NULL, MODIFY l VARCHAR(40) CHARACTER SET utf8mb4 NULL",
            "int to text                   | MODIFY c1 VARCHAR(12) NULL",
            "enum reordered, set grown     | MODIFY e ENUM('z','w','y','x') NULL, MODIFY s SET('q','p','r') NULL",
            "generated column changed      | MODIFY g INT AS (a * 3) STORED, ADD COLUMN h INT AS (c1 + 1) VIRTUAL",
            "default with an expression    | ADD COLUMN created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)",
            "added auto increment key      | DROP PRIMARY KEY, ADD COLUMN n BIGINT NOT NULL AUTO_INCREMENT UNIQUE, ADD PRIMARY KEY (id)"})
    void dryRunChecksTheMappingOnSampleRows(String name, String alter) throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("mapcheck");
        server.execute(database, TABLE, ROWS);

        MigrationStatus result = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(100),
                b -> b.execute(false).approveRenamedColumns(true)).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Validated);
        assertThat(result.plan()).containsPattern("column mapping checked on \\d+ sample rows: identical");
        long sampled = Long.parseLong(result.plan().replaceAll("(?s).*checked on (\\d+) sample rows.*", "$1"));
        assertThat(sampled).as("sample rows").isBetween(200L, 1000L);
        if (alter.contains("CURRENT_TIMESTAMP")) {
            assertThat(result.plan()).contains("not compared: `created` (its default is an expression evaluated per row)");
        }
        assertThat(tables(server, database)).containsExactly("t");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "narrowing out of range    | MODIFY a TINYINT NULL, MODIFY c1 DECIMAL(2,1) NULL | Out of range value",
            "shortening text           | MODIFY b VARCHAR(3) NULL                         | for column 'b'",
            "lossy charset conversion  | MODIFY b VARCHAR(20) CHARACTER SET latin1 NULL  | Incorrect string value",
            "new NOT NULL over NULLs   | MODIFY c1 INT NOT NULL                          | Data truncated for column 'c1'"})
    void anAlterTheServerCannotApplyToTheRowsIsRefusedBeforeAnythingIsCreated(String name, String alter, String cause)
            throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("mapcheck");
        server.execute(database, TABLE, ROWS);

        MigrationStatus result = MigrationRun.start(server, database, "t", alter, MigrationRun.controls(100),
                b -> b.execute(true)).finish(Duration.ofMinutes(1));

        assertThat(result.phase()).isEqualTo(Phase.Failed);
        assertThat(result.message()).contains("the ALTER fails on the table's own rows").contains(cause);
        assertThat(tables(server, database)).containsExactly("t");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    /**
     * The engine maps drop-and-re-add right; plans that carry the old values, as it once did, must be caught: with
     * different values as a difference naming the column and the row, with NULLs as a failing copy.
     */
    @Test
    void aWrongMappingInjectedIntoThePlanIsCaught() throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("mapcheck");
        server.execute(database, TABLE, ROWS);

        try (Connection connection = new Database(MigrationRun.connection(server, database)).connect()) {
            MigrationPlan reAddedL = plan(connection, database, "DROP COLUMN l, ADD COLUMN l VARCHAR(20) NOT NULL DEFAULT 'new'");
            assertThat(new MappingCheck(connection, reAddedL, ServerKind.of(connection)).run().sampleRows()).isPositive();
            assertThatThrownBy(() -> new MappingCheck(connection, carryingOldValues(reAddedL, "l"), ServerKind.of(connection)).run())
                    .isInstanceOf(MigrationException.class)
                    .hasMessageContaining("column `l` differs between the server's own ALTER and the engine's copy")
                    .hasMessageContaining("for the sample row with key (`id`=")
                    .hasMessageContaining("engine fills it from original column `l` varchar(20)");

            MigrationPlan reAddedC1 = plan(connection, database, "DROP COLUMN c1, ADD COLUMN c1 INT NOT NULL DEFAULT 47");
            assertThat(new MappingCheck(connection, reAddedC1, ServerKind.of(connection)).run().sampleRows()).isPositive();
            assertThatThrownBy(() -> new MappingCheck(connection, carryingOldValues(reAddedC1, "c1"), ServerKind.of(connection)).run())
                    .isInstanceOf(MigrationException.class)
                    .hasMessageContaining("the engine's copy of them fails")
                    .hasMessageContaining("Column 'c1' cannot be null");
        }
        assertThat(tables(server, database)).containsExactly("t");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    private static MigrationPlan plan(Connection connection, String database, String alter) throws Exception {
        MigrationPlan plan = new Inspector(connection).plan(TableNames.of(database, "t"), AlterClauses.parse(alter), false, false);
        assertThat(plan.addedColumns()).as("columns the engine fills with their default").isNotEmpty();
        return plan;
    }

    /** The plan as a mapping by name alone would make it: the re-added column copied from the dropped one. */
    private static MigrationPlan carryingOldValues(MigrationPlan right, String column) {
        List<ColumnPair> wrongPairs = new ArrayList<>(right.copiedColumns());
        wrongPairs.add(new ColumnPair(column, column));
        return new MigrationPlan(right.names(), right.alter(), right.original(), right.ghost(), right.chunkKey(),
                right.ghostChunkKey(), right.keyColumns(), wrongPairs, right.addedColumns().stream().filter(c -> !c.equals(column)).toList(),
                right.droppedColumns(), right.renamedColumns(), right.estimatedRows());
    }

    private static List<String> tables(MariaDbServer server, String database) {
        return List.of(server.queryString(database, "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES"
                + " WHERE TABLE_SCHEMA = DATABASE()").split(","));
    }
}
