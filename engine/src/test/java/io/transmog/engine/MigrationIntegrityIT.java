package io.transmog.engine;

import io.transmog.engine.support.MigrationRun;
import io.transmog.engine.support.TableComparison;
import io.transmog.engine.support.WriteLoad;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerFlavor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance 1: for every column type family, migrate while two writers insert, update
 * (also the key) and delete the whole time; hold the cut-over, stop the writers, let the
 * applier drain, and require the ghost to equal the original row for row; then cut over
 * and require the swapped tables to be equal too.
 */
class MigrationIntegrityIT {
    private static final int SEED_ROWS = 2500;
    private static final int KEY_DOMAIN = 4000;
    /** The application's sql_mode for the seed and the writers: zero dates are part of the data. */
    private static final String APPLICATION_SQL_MODE = MariaDbServer.ZERO_DATES_SQL_MODE;

    /**
     * A table shape: key and value columns with SQL expressions producing a row for key
     * number {@code {n}} (values random via RAND()), and the ALTER to run on it.
     */
    record Shape(String name, String columns, List<String> keyColumns, List<String> keyExpressions,
                 List<String> valueColumns, List<String> valueExpressions, String alter, Map<String, String> renamed) {
        Shape(String name, String columns, List<String> keyColumns, List<String> keyExpressions,
              List<String> valueColumns, List<String> valueExpressions, String alter) {
            this(name, columns, keyColumns, keyExpressions, valueColumns, valueExpressions, alter, Map.of());
        }

        String keyOf(long n) {
            return keyExpressions.stream().map(e -> e.replace("{n}", Long.toString(n))).collect(Collectors.joining(", "));
        }

        String whereKey(long n) {
            return "(" + keyColumns.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", ")) + ") = (" + keyOf(n) + ")";
        }

        String insert(String table, long n) {
            return "INSERT INTO `" + table + "` (" + columnList() + ") VALUES (" + keyOf(n) + ", "
                    + String.join(", ", valueExpressions) + ")";
        }

        String seed(String table, int rows) {
            return "INSERT INTO `" + table + "` (" + columnList() + ") SELECT "
                    + keyExpressions.stream().map(e -> e.replace("{n}", "seq")).collect(Collectors.joining(", "))
                    + ", " + String.join(", ", valueExpressions) + " FROM seq_1_to_" + rows;
        }

        private String columnList() {
            return Stream.concat(keyColumns.stream(), valueColumns.stream()).map(c -> "`" + c + "`").collect(Collectors.joining(", "));
        }

        /** One random statement of the write load. */
        String statement(String table, int random) {
            long n = 1 + (random >>> 4) % KEY_DOMAIN;
            long m = 1 + (random >>> 16) % KEY_DOMAIN;
            int kind = random % 16;
            if (kind < 6) {
                String assignments = IntStream.range(0, valueColumns.size())
                        .mapToObj(i -> "`" + valueColumns.get(i) + "` = " + valueExpressions.get(i)).collect(Collectors.joining(", "));
                return "UPDATE `" + table + "` SET " + assignments + " WHERE " + whereKey(n);
            }
            if (kind < 10) {
                return insert(table, n);
            }
            if (kind < 13) {
                return "DELETE FROM `" + table + "` WHERE " + whereKey(n);
            }
            String keyAssignments = IntStream.range(0, keyColumns.size())
                    .mapToObj(i -> "`" + keyColumns.get(i) + "` = " + keyExpressions.get(i).replace("{n}", Long.toString(m)))
                    .collect(Collectors.joining(", "));
            return "UPDATE `" + table + "` SET " + keyAssignments + " WHERE " + whereKey(n);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Shape> shapes() {
        String random8 = "LEFT(UNHEX(SHA2(RAND(), 512)), 1 + FLOOR(RAND() * 64))";
        return Stream.concat(Stream.of(
                new Shape("integers", "id INT UNSIGNED NOT NULL PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, su SMALLINT UNSIGNED,"
                        + " mi MEDIUMINT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED",
                        List.of("id"), List.of("{n} * 1048573"),
                        List.of("ti", "tu", "su", "mi", "iu", "bi", "bu"),
                        List.of("FLOOR(RAND() * 256) - 128", "FLOOR(RAND() * 256)", "FLOOR(RAND() * 65536)",
                                "FLOOR(RAND() * 16777216) - 8388608", "FLOOR(RAND() * 4294967296)",
                                "IF(RAND() < 0.2, -9223372036854775808, CAST(FLOOR((RAND() - 0.5) * 9.2e18) AS SIGNED))",
                                "IF(RAND() < 0.2, 18446744073709551615, CAST(FLOOR(RAND() * 9e18) AS UNSIGNED) * 2 + (RAND() < 0.5))"),
                        "ADD COLUMN added INT NOT NULL DEFAULT 7, MODIFY mi INT"),
                new Shape("bigint-unsigned-key", "id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v VARCHAR(20)",
                        List.of("id"), List.of("18446744073709551615 - {n}"),
                        List.of("v"), List.of("CONCAT('v', FLOOR(RAND() * 1000))"),
                        "ADD INDEX idx_v (v)"),
                new Shape("decimal-floating", "id INT NOT NULL PRIMARY KEY, d1 DECIMAL(65,30), d2 DECIMAL(10,2) UNSIGNED, f FLOAT, dbl DOUBLE",
                        List.of("id"), List.of("{n}"),
                        List.of("d1", "d2", "f", "dbl"),
                        List.of("IF(RAND() < 0.3, CAST('12345678901234567890123456789012345.123456789012345678901234567891' AS DECIMAL(65,30)),"
                                        + " CAST((RAND() - 0.5) * 1e20 AS DECIMAL(65,30)))",
                                "ROUND(RAND() * 99999999, 2)", "RAND() * 1e10", "(RAND() - 0.5) * 1e300"),
                        "MODIFY d2 DECIMAL(14,2) UNSIGNED"),
                new Shape("temporal-timestamp-key", "ts TIMESTAMP(6) NOT NULL DEFAULT '2000-01-01 00:00:00', seqno INT NOT NULL,"
                        + " d DATE, t TIME(6), dt DATETIME(6), y YEAR, dt3 DATETIME(3), PRIMARY KEY (ts, seqno)",
                        List.of("ts", "seqno"), List.of("FROM_UNIXTIME(1500000000 + {n} * 7919.123456)", "{n} % 7"),
                        List.of("d", "t", "dt", "y", "dt3"),
                        List.of("IF(RAND() < 0.05, '0000-00-00', DATE('1000-01-01') + INTERVAL FLOOR(RAND() * 3000000) DAY)",
                                "SEC_TO_TIME(RAND() * 1000000 - 500000)",
                                "TIMESTAMPADD(MICROSECOND, FLOOR(RAND() * 1e15), '1970-01-01 00:00:00.000000')",
                                "1901 + FLOOR(RAND() * 254)", "NOW(3) - INTERVAL FLOOR(RAND() * 1e9) SECOND"),
                        "ADD INDEX idx_dt (dt), ADD COLUMN created DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00'"),
                new Shape("datetime-key", "dt DATETIME(6) NOT NULL PRIMARY KEY, v INT",
                        List.of("dt"), List.of("TIMESTAMPADD(MICROSECOND, {n} * 7919000123, '2020-01-01 00:00:00.000000')"),
                        List.of("v"), List.of("FLOOR(RAND() * 1000)"),
                        "ADD COLUMN x INT"),
                new Shape("charsets-latin1-key", "code VARCHAR(40) CHARACTER SET latin1 NOT NULL PRIMARY KEY,"
                        + " l1 VARCHAR(100) CHARACTER SET latin1, u VARCHAR(100) CHARACTER SET utf8mb4,"
                        + " c CHAR(10) CHARACTER SET utf8mb4, g VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                        List.of("code"), List.of("CONCAT('kéy-', {n})"),
                        List.of("l1", "u", "c", "g"),
                        List.of("CONCAT('café ½ ', FLOOR(RAND() * 1000))", "CONCAT('😀 数据 ', RAND())",
                                "LEFT(CONCAT('Ω', RAND()), 10)", "CONCAT('𝄞', FLOOR(RAND() * 100))"),
                        "MODIFY l1 VARCHAR(100) CHARACTER SET utf8mb4"),
                new Shape("binary-key-trailing-zeros", "uid BINARY(16) NOT NULL PRIMARY KEY, vb VARBINARY(255), b BLOB,"
                        + " fixed BINARY(8), drop_me INT",
                        List.of("uid"), List.of("UNHEX(RPAD(LPAD(HEX({n} * 2654435761), 12, '0'), 32, '0'))"),
                        List.of("vb", "b", "fixed", "drop_me"),
                        List.of(random8, "REPEAT(" + random8 + ", 3)", "IF(RAND() < 0.3, UNHEX('0102000000000000'), LEFT(UNHEX(SHA2(RAND(), 256)), 8))",
                                "FLOOR(RAND() * 10)"),
                        "DROP COLUMN drop_me"),
                new Shape("text-blob", "id INT NOT NULL PRIMARY KEY, tx TEXT CHARACTER SET utf8mb4, mt MEDIUMTEXT, lb LONGBLOB",
                        List.of("id"), List.of("{n}"),
                        List.of("tx", "mt", "lb"),
                        List.of("REPEAT(CONCAT('ü', RAND()), FLOOR(RAND() * 50))", "REPEAT('z', FLOOR(RAND() * 70000))",
                                "REPEAT(UNHEX('00FF'), FLOOR(RAND() * 5000))"),
                        "ADD COLUMN extra INT NULL"),
                new Shape("json", "id INT NOT NULL PRIMARY KEY, doc JSON",
                        List.of("id"), List.of("{n}"),
                        List.of("doc"),
                        List.of("JSON_OBJECT('name', CONCAT('n', FLOOR(RAND() * 100)), 'score', RAND(), 'tags', JSON_ARRAY('a', 'ü😀'))"),
                        "ADD COLUMN jname VARCHAR(50) AS (JSON_VALUE(doc, '$.name')) VIRTUAL, ADD INDEX idx_jname (jname)"),
                new Shape("enum-set", "id INT NOT NULL PRIMARY KEY, e ENUM('small','medium','large'), s SET('a','b','c','d')",
                        List.of("id"), List.of("{n}"),
                        List.of("e", "s"),
                        List.of("ELT(1 + FLOOR(RAND() * 3), 'small', 'medium', 'large')", "FLOOR(RAND() * 16)"),
                        "MODIFY e ENUM('tiny','large','small','medium','huge'), MODIFY s SET('a','b','c','d','e')"),
                new Shape("enum-key-reordered", "kind ENUM('x','y','z') NOT NULL, n INT NOT NULL, v INT, PRIMARY KEY (kind, n)",
                        List.of("kind", "n"), List.of("ELT(1 + {n} % 3, 'x', 'y', 'z')", "{n}"),
                        List.of("v"), List.of("FLOOR(RAND() * 1000)"),
                        "MODIFY kind ENUM('z','w','x','y') NOT NULL"),
                new Shape("bit", "bk BIT(16) NOT NULL PRIMARY KEY, b1 BIT(1), b7 BIT(7), b64 BIT(64)",
                        List.of("bk"), List.of("{n} * 13"),
                        List.of("b1", "b7", "b64"),
                        List.of("FLOOR(RAND() * 2)", "FLOOR(RAND() * 128)", "CAST(FLOOR(RAND() * 9e18) AS UNSIGNED) * 2 + (RAND() < 0.5)"),
                        "ADD COLUMN note VARCHAR(10) NOT NULL DEFAULT 'x'"),
                new Shape("generated-columns", "id INT NOT NULL PRIMARY KEY, a INT, b INT, s_stored INT AS (a + b) STORED,"
                        + " v_virtual VARCHAR(30) AS (CONCAT(a, '-', b)) VIRTUAL",
                        List.of("id"), List.of("{n}"),
                        List.of("a", "b"), List.of("FLOOR(RAND() * 1000)", "FLOOR(RAND() * 1000)"),
                        "ADD COLUMN c INT NOT NULL DEFAULT 0, ADD INDEX idx_v (v_virtual)"),
                new Shape("nulls", "id INT NOT NULL PRIMARY KEY, n1 INT NULL, n2 VARCHAR(10) NULL, n3 DATETIME NULL, n4 BLOB NULL, n5 DECIMAL(5,1) NULL",
                        List.of("id"), List.of("{n}"),
                        List.of("n1", "n2", "n3", "n4", "n5"),
                        List.of("IF(RAND() < 0.5, NULL, FLOOR(RAND() * 100))", "IF(RAND() < 0.5, NULL, 'x')",
                                "IF(RAND() < 0.5, NULL, NOW())", "IF(RAND() < 0.5, NULL, UNHEX('00'))", "IF(RAND() < 0.5, NULL, 1.5)"),
                        "MODIFY n2 VARCHAR(50) NULL"),
                new Shape("composite-text-key", "region VARCHAR(20) CHARACTER SET utf8mb4 NOT NULL, id INT NOT NULL, v INT, PRIMARY KEY (region, id)",
                        List.of("region", "id"), List.of("ELT(1 + {n} % 5, 'eu', 'us', 'ápac', '😀zone', 'x')", "{n}"),
                        List.of("v"), List.of("FLOOR(RAND() * 1000)"),
                        "ADD COLUMN z INT NOT NULL DEFAULT 0"),
                new Shape("rename-column", "id INT NOT NULL PRIMARY KEY, old_name VARCHAR(20), keep INT",
                        List.of("id"), List.of("{n}"),
                        List.of("old_name", "keep"), List.of("LEFT(CONCAT('o', RAND()), 20)", "FLOOR(RAND() * 100)"),
                        "CHANGE COLUMN old_name new_name VARCHAR(20) NULL", Map.of("old_name", "new_name")),
                new Shape("change-primary-key", "id INT NOT NULL, code VARCHAR(20) NOT NULL, v INT, PRIMARY KEY (id), UNIQUE KEY uk_code (code)",
                        List.of("id", "code"), List.of("{n}", "CONCAT('c', {n})"),
                        List.of("v"), List.of("FLOOR(RAND() * 1000)"),
                        "DROP PRIMARY KEY, ADD PRIMARY KEY (code, id)"),
                new Shape("reorder-columns", "id INT NOT NULL PRIMARY KEY, a INT, b VARCHAR(10), c DATE",
                        List.of("id"), List.of("{n}"),
                        List.of("a", "b", "c"), List.of("FLOOR(RAND() * 100)", "LEFT(SHA2(RAND(), 256), 10)", "CURDATE() - INTERVAL FLOOR(RAND() * 999) DAY"),
                        "MODIFY COLUMN c DATE AFTER id, MODIFY a INT AFTER c"),
                // Each server fills these defaults itself on every write: the copy must carry the written value.
                new Shape("timestamp-defaults", "id INT NOT NULL PRIMARY KEY, v INT,"
                        + " created TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
                        + " changed TIMESTAMP(6) NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)",
                        List.of("id"), List.of("{n}"),
                        List.of("v"), List.of("FLOOR(RAND() * 1000)"),
                        "MODIFY changed TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),"
                                + " ADD COLUMN z INT NOT NULL DEFAULT 1"),
                // Left out of SELECT *, so of anything that copies by it; written and compared by name.
                new Shape("invisible-column", "id INT NOT NULL PRIMARY KEY, v INT, hidden VARCHAR(20) INVISIBLE",
                        List.of("id"), List.of("{n}"),
                        List.of("v", "hidden"), List.of("FLOOR(RAND() * 1000)", "CONCAT('h', FLOOR(RAND() * 1000))"),
                        "ADD COLUMN z INT NOT NULL DEFAULT 1")),
                Stream.concat(mySqlShapes(), mariaDb118Shapes()));
    }

    /**
     * MariaDB 11.7+'s VECTOR, logged as bytes. (MySQL 9's VECTOR cannot be decoded from the binlog by the library:
     * such a table is refused, see BinlogVariantsIT.)
     */
    private static Stream<Shape> mariaDb118Shapes() {
        if (MariaDbServer.shared().flavor() != ServerFlavor.MARIADB_11_8) {
            return Stream.empty();
        }
        return Stream.of(new Shape("vector", "id INT NOT NULL PRIMARY KEY, emb VECTOR(4)",
                List.of("id"), List.of("{n}"),
                List.of("emb"), List.of("VEC_FromText(CONCAT('[', RAND(), ',', RAND(), ',-1.5,', FLOOR(RAND() * 100), ']'))"),
                "ADD COLUMN z INT NOT NULL DEFAULT 1"));
    }

    /**
     * MySQL's default collation, utf8mb4_0900_ai_ci, is NO PAD (trailing spaces count) and accent- and
     * case-insensitive: a key of it, with trailing spaces, changed to the accent- and case-sensitive variant, which
     * reorders the key (so the checksum pass joins on it). MariaDB 10.11 has no 0900 collations.
     */
    private static Stream<Shape> mySqlShapes() {
        if (!MariaDbServer.shared().isMySql()) {
            return Stream.empty();
        }
        return Stream.of(new Shape("text-key-0900", "code VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci NOT NULL"
                        + " PRIMARY KEY, v INT, note VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_as_cs",
                List.of("code"), List.of("CONCAT(ELT(1 + {n} % 4, 'Kéy', 'kex', 'Ärger', '😀'), '-', {n}, IF({n} % 3 = 0, ' ', ''))"),
                List.of("v", "note"), List.of("FLOOR(RAND() * 1000)", "CONCAT('ñ', FLOOR(RAND() * 100), ' ')"),
                "MODIFY code VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_as_cs NOT NULL"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void ghostEqualsOriginalUnderConcurrentWrites(Shape shape) throws Exception {
        MariaDbServer server = MariaDbServer.shared();
        String database = server.createDatabase("integrity_" + shape.name());
        String table = "t";
        server.execute(database, APPLICATION_SQL_MODE, "CREATE TABLE `" + table + "` (" + shape.columns() + ") ENGINE=InnoDB",
                shape.seed(table, SEED_ROWS));
        List<String> originalColumns = columns(server, database, table);

        Controls controls = MigrationRun.controls(100);
        controls.setNiceRatio(1.0);
        controls.setPostponeCutOver(true);
        // Each shape copies with its own number of chunks at once, 1 (gh-ost's way) to 4, the applier beside them.
        int copyThreads = 1 + Math.floorMod(shape.name().hashCode(), 4);
        controls.setCopyThreads(copyThreads);
        // And re-syncs its own number of keys per transaction: with 2 or 10, a backlog of a few dozen keys already
        // runs several batches at once, each on its own connection (Applier).
        int dmlBatchSize = List.of(2, 10, 100).get(Math.floorMod(shape.name().hashCode() / 4, 3));
        // And sizes its chunks its own way: fixed, or by a time that makes them grow and shrink as the writers allow.
        int chunkTimeMillis = List.of(0, 2, 20).get(Math.floorMod(shape.name().hashCode() / 12, 3));
        controls.setChunkTimeMillis(chunkTimeMillis);
        MigrationRun run;
        try (WriteLoad load = new WriteLoad(server, database, 2, "+05:30", List.of(APPLICATION_SQL_MODE),
                r -> shape.statement(table, r))) {
            run = MigrationRun.start(server, database, table, shape.alter(), controls,
                    // Zero dates are the application's data; on MySQL, whose sql_mode (kept by the engine) rejects
                    // them, gh-ost's --allow-zero-in-date lets them through.
                    b -> b.approveRenamedColumns(!shape.renamed().isEmpty()).allowZeroInDate(true).dmlBatchSize(dmlBatchSize));
            run.awaitPhase(Phase.AwaitingCutOver, Duration.ofMinutes(2));
            Thread.sleep(300);
            load.stop();
            assertThat(load.unexpectedErrors()).as("writer errors").isEmpty();
            assertThat(load.statements()).as("writes during the migration").isGreaterThan(50);
        }
        run.catchUp();
        MigrationStatus held = run.snapshot();
        assertThat(held.rowsCopied()).isPositive();
        assertThat(held.eventsApplied()).as("changes applied from the binlog").isPositive();

        List<String> ghostColumns = columns(server, database, "_t_gho");
        List<String> compared = new ArrayList<>();
        List<String> comparedInGhost = new ArrayList<>();
        for (String column : originalColumns) {
            String inGhost = shape.renamed().getOrDefault(column, column);
            if (ghostColumns.contains(inGhost)) {
                compared.add(column);
                comparedInGhost.add(inGhost);
            }
        }
        // Rows in key order; an ENUM key sorts by name, because the ALTER may renumber its members, and a key whose
        // collation the ALTER changes by its bytes.
        List<String> order = shape.keyColumns().stream()
                .map(c -> shape.name().startsWith("enum-key") && c.equals("kind") ? "CAST(`kind` AS CHAR)"
                        : shape.name().equals("text-key-0900") ? "`" + c + "` COLLATE utf8mb4_bin" : "`" + c + "`")
                .toList();
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, table, compared, "_t_gho", comparedInGhost, order))
                    .as("ghost vs original before cut-over, %d copy threads, %d keys per re-sync, chunk time %d ms", copyThreads,
                            dmlBatchSize, chunkTimeMillis)
                    .isNull();
        }

        controls.setPostponeCutOver(false);
        MigrationStatus result = run.finish(Duration.ofMinutes(1));
        assertThat(result.phase()).as(result.message()).isEqualTo(Phase.Succeeded);
        assertThat(columns(server, database, table)).isEqualTo(ghostColumns);
        try (Connection connection = server.connect(database)) {
            assertThat(TableComparison.firstDifference(connection, database, "_t_del", compared, table, comparedInGhost, order))
                    .as("swapped tables").isNull();
            assertThat(TableComparison.count(connection, database, table)).isEqualTo(TableComparison.count(connection, database, "_t_del"));
        }
        assertThat(tables(server, database)).containsExactlyInAnyOrder("t", "_t_del");
        server.execute(null, "DROP DATABASE `" + database + "`");
    }

    static List<String> columns(MariaDbServer server, String database, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW COLUMNS FROM `" + table + "`")) {
            while (rs.next()) {
                columns.add(rs.getString(1));
            }
        }
        return columns;
    }

    static List<String> tables(MariaDbServer server, String database) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW TABLES")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }
}
