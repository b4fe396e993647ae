package io.transmog.engine.verify;

import io.transmog.engine.MigrationException;
import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import io.transmog.engine.db.Warnings;
import io.transmog.engine.inspect.Inspector;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.sql.AlterClauses;
import io.transmog.engine.sql.KeyColumn;
import io.transmog.engine.sql.KeyTuple;
import io.transmog.engine.db.ServerKind;
import io.transmog.engine.sql.SqlBuilder;
import io.transmog.engine.sql.TableNames;
import io.transmog.engine.sql.VerifyProjection;
import io.transmog.engine.verify.ChecksumVerifier.KeyRange;
import io.transmog.testdb.MariaDbServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ChecksumVerifier on a real MariaDB: plans through the real Inspector, a ghost created
 * and altered as the migration does, filled with the copy's INSERT ... SELECT.
 */
class ChecksumVerifierIT {
    private static final MariaDbServer SERVER = MariaDbServer.shared();

    /** A table, its seed (a SELECT over seq_1_to_N producing every column) and the ALTER. */
    record Shape(String name, String columns, String seed, String alter, List<String> unverified, boolean joined) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Shape> identicalShapes() {
        return Stream.of(
                new Shape("type-changes", "id INT NOT NULL PRIMARY KEY, i INT, v VARCHAR(20), l VARCHAR(30) CHARACTER SET latin1,"
                        + " d DECIMAL(10,2), e ENUM('a','b','c'), gone INT",
                        "SELECT seq, IF(seq % 7 = 0, NULL, CAST(seq AS SIGNED) * 1000003 - 2000000000), CONCAT('v', seq, IF(seq % 5 = 0, ' ', '')),"
                                + " IF(seq % 3 = 0, '', CONCAT('café ½ ', seq)), ROUND(seq * 3.17, 2), ELT(1 + seq % 3, 'a', 'b', 'c'), seq"
                                + " FROM seq_1_to_3000",
                        "MODIFY i BIGINT, MODIFY v VARCHAR(40), MODIFY l VARCHAR(30) CHARACTER SET utf8mb4, MODIFY d DECIMAL(12,2),"
                                + " MODIFY e ENUM('a','b','c','d'), DROP COLUMN gone, ADD COLUMN added INT NOT NULL DEFAULT 5",
                        List.of(), false),
                new Shape("same-types", "id BIGINT UNSIGNED NOT NULL PRIMARY KEY, f FLOAT, dbl DOUBLE, b BLOB, bt BIT(7), s SET('x','y','z'),"
                        + " j JSON, dt DATETIME(6), ts TIMESTAMP(3) NULL, t TIME(2), y YEAR, c CHAR(5), n INT NULL, tx TEXT CHARACTER SET utf8mb4",
                        "SELECT 18446744073709551615 - seq, RAND() * 1e10, (RAND() - 0.5) * 1e300, IF(seq % 4 = 0, NULL, UNHEX(SHA2(seq, 256))),"
                                + " seq % 128, seq % 8, JSON_OBJECT('k', seq, 'u', 'ü😀'),"
                                + " TIMESTAMPADD(MICROSECOND, seq * 7919000123, '2020-01-01'), FROM_UNIXTIME(1500000000 + seq * 1.5),"
                                + " SEC_TO_TIME(seq * 7.25), 1901 + seq % 200, LEFT(SHA2(seq, 256), 1 + seq % 5), NULL, REPEAT('😀z', seq % 40)"
                                + " FROM seq_1_to_2000",
                        "ADD COLUMN x INT NULL", List.of(), false),
                new Shape("conversions", "id INT NOT NULL PRIMARY KEY, f FLOAT, d3 DATETIME(3), d6 DATETIME(6), ts TIMESTAMP NULL, dd DATE,"
                        + " iv INT, vc VARCHAR(10), vb VARCHAR(20) CHARACTER SET utf8mb4, e ENUM('small','medium','large'),"
                        + " s SET('a','b','c','d'), bt BIT(5), c5 CHAR(5), tl TEXT CHARACTER SET latin1, di INT, bin BINARY(4)",
                        "SELECT seq, RAND() * 1e6, TIMESTAMPADD(MICROSECOND, seq * 7919000123, '2020-01-01'),"
                                + " TIMESTAMPADD(MICROSECOND, seq * 7919000123, '2020-01-01'), FROM_UNIXTIME(1500000000 + seq * 37),"
                                + " IF(seq % 50 = 0, '0000-00-00', DATE('2000-01-01') + INTERVAL seq DAY), CAST(seq AS SIGNED) * 37 - 5000,"
                                + " CONCAT('x', seq, IF(seq % 2 = 0, '  ', '')), CONCAT('ü', seq), ELT(1 + seq % 3, 'small', 'medium', 'large'),"
                                + " seq % 16, seq % 32, LEFT(SHA2(seq, 256), 5), REPEAT('é', seq % 30), seq, UNHEX(LPAD(HEX(seq), 8, '0'))"
                                + " FROM seq_1_to_2000",
                        "MODIFY f DOUBLE, MODIFY d3 DATETIME(6), MODIFY d6 DATETIME(3), MODIFY ts TIMESTAMP(6) NULL, MODIFY dd DATETIME,"
                                + " MODIFY iv VARCHAR(20), MODIFY vc CHAR(10), MODIFY vb VARBINARY(80),"
                                + " MODIFY e ENUM('tiny','large','small','medium','huge'), MODIFY s SET('d','c','b','a','e'),"
                                + " MODIFY bt BIT(12), MODIFY c5 CHAR(9), MODIFY tl MEDIUMTEXT CHARACTER SET utf8mb4, MODIFY di DECIMAL(14,3),"
                                + " MODIFY bin BINARY(6)",
                        List.of(), false),
                // Doubles at the edges of their text: the shortest round-trip text of each, subnormals, negative zero.
                new Shape("float-edges", "id INT NOT NULL PRIMARY KEY, dbl DOUBLE, f FLOAT, fd FLOAT",
                        "SELECT seq, ELT(seq, 0.1, 1e-300, 2.2250738585072014e-308, 4.9e-324, 1.7976931348623157e308, -0.0,"
                                + " 9007199254740993, 1/3, 123456789.12345678, -1.5e-7, 0.30000000000000004, 1e22, 1e21, 1e15 + 0.3,"
                                + " 5e-324 * 3),"
                                + " ELT(seq, 0.1, 1e-38, 1.17549435e-38, 1.4e-45, 3.4028234e38, -0.0, 16777217, 1/3, 123456.789, -1.5e-7,"
                                + " 0.3, 1e22, 1e21, 1e15 + 0.3, 7.1e-45),"
                                + " ELT(seq, 0.1, 1e-38, 1.17549435e-38, 1.4e-45, 3.4028234e38, -0.0, 16777217, 1/3, 123456.789, -1.5e-7,"
                                + " 0.3, 1e22, 1e21, 1e15 + 0.3, 7.1e-45)"
                                + " FROM seq_1_to_15",
                        "MODIFY fd DOUBLE", List.of(), false),
                new Shape("unverifiable-columns", "id INT NOT NULL PRIMARY KEY, dbl DOUBLE, s VARCHAR(10), ok INT",
                        "SELECT seq, seq / 4, seq, seq FROM seq_1_to_500",
                        "MODIFY dbl FLOAT, MODIFY s INT, MODIFY ok BIGINT", List.of("`dbl`", "`s`"), false),
                new Shape("composite-text-key-recollated", "region VARCHAR(20) CHARACTER SET latin1 NOT NULL, id INT NOT NULL,"
                        + " v VARCHAR(20) CHARACTER SET latin1, PRIMARY KEY (region, id)",
                        "SELECT ELT(1 + seq % 6, 'eu', 'us', 'ápac', 'Zone', 'x', 'Ärger'), seq, CONCAT('ö', seq) FROM seq_1_to_3000",
                        "CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", List.of(), true),
                new Shape("enum-key-reordered", "kind ENUM('x','y','z') NOT NULL, n INT NOT NULL, v INT, PRIMARY KEY (kind, n)",
                        "SELECT ELT(1 + seq % 3, 'x', 'y', 'z'), seq, seq * 3 FROM seq_1_to_3000",
                        "MODIFY kind ENUM('z','w','x','y') NOT NULL", List.of(), true),
                new Shape("binary-key-widened", "k BINARY(8) NOT NULL PRIMARY KEY, v INT",
                        "SELECT UNHEX(LPAD(HEX(seq * 2654435761), 16, '0')), seq FROM seq_1_to_3000",
                        "MODIFY k BINARY(12) NOT NULL", List.of(), false),
                new Shape("datetime-key-widened", "dt DATETIME NOT NULL PRIMARY KEY, v INT",
                        "SELECT TIMESTAMPADD(SECOND, seq * 7919, '2020-01-01'), seq FROM seq_1_to_3000",
                        "MODIFY dt DATETIME(6) NOT NULL, ADD COLUMN w INT", List.of(), false),
                new Shape("empty", "id INT NOT NULL PRIMARY KEY, v INT", "SELECT 1, 1 FROM seq_1_to_1 WHERE FALSE",
                        "ADD COLUMN w INT", List.of(), false));
    }

    /** Each shape summed up both ways, whichever this server uses in migrations: each must be right on every server. */
    static Stream<Arguments> identicalShapesSummedBothWays() {
        return identicalShapes().flatMap(shape -> Stream.of(ChecksumVerifier.Summing.values()).map(summing -> Arguments.of(shape, summing)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("identicalShapesSummedBothWays")
    void identicalTablesHaveNoMismatches(Shape shape, ChecksumVerifier.Summing summing) throws Exception {
        Fixture fixture = Fixture.create(shape);
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 250, summing);
        assertThat(verifier.unverifiedColumns()).as("unverified columns")
                .hasSize(shape.unverified().size())
                .allSatisfy(reason -> assertThat(shape.unverified().stream().anyMatch(reason::startsWith)).as(reason).isTrue());
        assertThat(verifier.comparesRows()).isTrue();
        assertThat(fixture.mismatches(verifier)).isEmpty();
        long rows = SERVER.queryLong(fixture.database, "SELECT COUNT(*) FROM `t`");
        assertThat(verifier.rowsCompared()).isEqualTo(rows);
        assertThat(verifier.chunksCompared()).isEqualTo(Math.max(1, (rows + 249) / 250));

        // Every verified column of every row is compared: changing any one value is noticed.
        if (rows > 0) {
            for (MigrationPlan.ColumnPair pair : fixture.plan.copiedColumns()) {
                boolean verified = verifier.unverifiedColumns().stream().noneMatch(u -> u.startsWith("`" + pair.original() + "`"));
                boolean keyColumn = fixture.plan.keyColumns().stream().anyMatch(k -> k.ghost().name().equals(pair.ghost()));
                if (!verified || keyColumn) {
                    continue;
                }
                String column = "`" + pair.ghost() + "`";
                SERVER.execute(fixture.database, MariaDbServer.ZERO_DATES_SQL_MODE, "CREATE TABLE `saved` AS SELECT * FROM `_t_gho`",
                        "UPDATE `_t_gho` SET " + column + " = IF(" + column + " IS NULL, " + someValue(fixture, pair.ghost()) + ", NULL) LIMIT 1");
                assertThat(fixture.mismatches(verifier)).as("after changing one value of " + column).hasSize(1);
                SERVER.execute(fixture.database, MariaDbServer.ZERO_DATES_SQL_MODE, "DELETE FROM `_t_gho`",
                        "INSERT INTO `_t_gho` SELECT * FROM `saved`", "DROP TABLE `saved`");
            }
            assertThat(fixture.mismatches(verifier)).isEmpty();
        }
    }

    /** A non-NULL value the column accepts, taken from another row, or a constant. */
    private static String someValue(Fixture fixture, String ghostColumn) {
        String type = fixture.plan.ghost().requireColumn(ghostColumn).dataType();
        return switch (type) {
            case "enum", "set" -> "1";
            case "bit" -> "b'1'";
            case "date", "datetime", "timestamp" -> "'2001-02-03'";
            case "time" -> "'01:02:03'";
            case "year" -> "2001";
            case "binary", "varbinary", "blob" -> "0x01";
            case "longtext" -> "'{}'";
            default -> "'1'";
        };
    }

    static Stream<String> corruptionModes() {
        return Stream.of("range", "joined");
    }

    /**
     * Range mode: keys 2, 4, ... 20000 (10000 rows), chunks of 1000. Joined mode: the same
     * rows under a latin1 key the ALTER re-collates ('k00002' ... 'k20000').
     */
    private static Fixture corruptionFixture(String mode) throws Exception {
        return Fixture.create("range".equals(mode)
                ? new Shape("range", "id INT NOT NULL PRIMARY KEY, v VARCHAR(30), n INT",
                "SELECT seq * 2, CONCAT('value ', seq), seq FROM seq_1_to_10000", "MODIFY n BIGINT", List.of(), false)
                : new Shape("joined", "id VARCHAR(10) CHARACTER SET latin1 NOT NULL PRIMARY KEY, v VARCHAR(30), n INT",
                "SELECT CONCAT('k', LPAD(seq * 2, 5, '0')), CONCAT('value ', seq), seq FROM seq_1_to_10000",
                "MODIFY id VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL, MODIFY n BIGINT", List.of(), true));
    }

    private static String keyLiteral(String mode, long key) {
        return "range".equals(mode) ? Long.toString(key) : String.format("'k%05d'", key);
    }

    /** The row number a key tuple stands for, in either mode. */
    private static long keyNumber(KeyTuple tuple) {
        Object value = tuple.values().get(0);
        if (value instanceof KeyColumn.Bytes bytes) {
            return Long.parseLong(new String(bytes.value(), StandardCharsets.ISO_8859_1).substring(1));
        }
        return ((Number) value).longValue();
    }

    private static boolean contains(KeyRange range, long key) {
        boolean afterFrom = range.from() == null
                || (range.fromInclusive() ? key >= keyNumber(range.from()) : key > keyNumber(range.from()));
        boolean beforeTo = range.to() == null || key <= keyNumber(range.to());
        return afterFrom && beforeTo;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptionModes")
    void reportsExactlyTheChunkOfAChangedRowAndRepairsIt(String mode) throws Exception {
        Fixture fixture = corruptionFixture(mode);
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000);
        assertThat(fixture.mismatches(verifier)).isEmpty();

        SERVER.execute(fixture.database, "UPDATE `_t_gho` SET `v` = 'corrupt' WHERE `id` = " + keyLiteral(mode, 8642));
        List<KeyRange> changed = fixture.mismatches(verifier);
        assertThat(changed).hasSize(1);
        assertThat(contains(changed.get(0), 8642)).as(changed.get(0).toString()).isTrue();
        assertThat(changed.get(0).from()).isNotNull();
        assertThat(changed.get(0).to()).isNotNull();
        assertThat(keyNumber(changed.get(0).to()) - keyNumber(changed.get(0).from())).as("one chunk of 1000 rows").isEqualTo(2000);
        System.out.printf("[%s] changed row 8642 reported as %s%n", mode, changed.get(0));
        assertThat(changed.get(0).toString()).contains("`id` > ").contains(" and `id` <= ");

        assertThat(fixture.repairAndExpectClean(verifier, changed)).as("rows re-copied").isEqualTo(1000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptionModes")
    void pacingRunsBeforeEveryChunkAndHoldsItUntilItReturns(String mode) throws Exception {
        Fixture fixture = corruptionFixture(mode);
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000);
        SERVER.execute(fixture.database, "UPDATE `_t_gho` SET `v` = 'corrupt' WHERE `id` = " + keyLiteral(mode, 8642));
        List<Long> comparedWhenPaced = new ArrayList<>();
        List<KeyRange> changed = fixture.mismatches(verifier, () -> comparedWhenPaced.add(verifier.chunksCompared()));
        // One call before each chunk's reads begin. The ghost's side of a chunk is read while the original's side of
        // the next one is, and compared before the chunk after that begins: the calls saw 0, 0, 1, 2, ... chunks done.
        assertThat(comparedWhenPaced).as("chunks compared at each pacing call")
                .isEqualTo(LongStream.range(-1, verifier.chunksCompared() - 1).map(n -> Math.max(0, n)).boxed().toList());
        assertThat(verifier.chunksCompared()).isGreaterThanOrEqualTo(10);
        assertThat(changed).hasSize(1);

        ChecksumVerifier interrupted = new ChecksumVerifier(fixture.plan, fixture.sql, 1000);
        assertThatThrownBy(() -> fixture.mismatches(interrupted, () -> {
            if (interrupted.chunksCompared() == 3) {
                throw new InterruptedException();
            }
        })).isInstanceOf(MigrationException.class).hasMessage("checksum pass interrupted");
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
        assertThat(interrupted.chunksCompared()).as("no chunk compared after the interrupted pacing").isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptionModes")
    void reportsADeletedRowAndRepairsIt(String mode) throws Exception {
        Fixture fixture = corruptionFixture(mode);
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000);
        SERVER.execute(fixture.database, "DELETE FROM `_t_gho` WHERE `id` = " + keyLiteral(mode, 13000));
        List<KeyRange> changed = fixture.mismatches(verifier);
        assertThat(changed).hasSize(1);
        assertThat(contains(changed.get(0), 13000)).as(changed.get(0).toString()).isTrue();
        assertThat(fixture.repairAndExpectClean(verifier, changed)).as("rows re-copied").isEqualTo(1000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptionModes")
    void reportsExtraRowsAndRepairsThem(String mode) throws Exception {
        Fixture fixture = corruptionFixture(mode);
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000);
        // Between two keys, before the first key and after the last one.
        for (long key : new long[] {5001, 1, 30001}) {
            SERVER.execute(fixture.database, "INSERT INTO `_t_gho` (`id`, `v`, `n`) VALUES (" + keyLiteral(mode, key) + ", 'extra', 0)");
        }
        List<KeyRange> changed = fixture.mismatches(verifier);
        System.out.printf("[%s] extra rows 5001, 1, 30001 reported as %s%n", mode, changed);
        assertThat(changed).hasSize(3);
        for (long key : new long[] {5001, 1, 30001}) {
            assertThat(changed).as("range holding " + key).filteredOn(r -> contains(r, key)).hasSize(1);
        }
        if ("range".equals(mode)) {
            assertThat(changed).filteredOn(r -> contains(r, 1)).allSatisfy(r -> assertThat(r.from()).isNull());
            assertThat(changed).filteredOn(r -> contains(r, 30001)).allSatisfy(r -> assertThat(r.to()).isNull());
        } else {
            // Joined: each extra ghost row is reported as its own key.
            assertThat(changed).allSatisfy(r -> assertThat(r.from()).isEqualTo(r.to()));
        }
        assertThat(fixture.repairAndExpectClean(verifier, changed)).as("rows re-copied")
                .isEqualTo("range".equals(mode) ? 3000 : 0);
    }

    static Stream<Shape> shapesWithRows() {
        return identicalShapes().filter(shape -> !shape.name().equals("empty"));
    }

    /**
     * Where transmog hashes the rows, each value is read as it is on a connection that converts no result
     * (character_set_results binary) instead of through {@code CAST(... AS BINARY)}: the bytes must be those of the
     * CAST, which the verification was built on, for every projection of every type family, NULL included. Doubles
     * are the one exception, and there the text must read back as the double itself (sent exactly, in the binary
     * protocol): MySQL's CAST writes some with 16 digits that read back as a neighbour (one of 2,000 random doubles
     * of the same-types shape), the text protocol writes the digits that read back exactly.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapesWithRows")
    void valuesReadUnconvertedAreTheBytesTheirCastToBinaryGives(Shape shape) throws Exception {
        Fixture fixture = Fixture.create(shape);
        List<VerifyProjection.Projection> projections = new ChecksumVerifier(fixture.plan, fixture.sql, 1000,
                ChecksumVerifier.Summing.BY_TRANSMOG).projections();
        assertThat(projections).as("verified columns").isNotEmpty();
        List<KeyColumn> key = fixture.plan.keyColumns();
        assertSameValues(fixture, projections.stream().map(VerifyProjection.Projection::onOriginal).toList(),
                " FROM " + fixture.plan.names().qualifiedOriginal() + " o ORDER BY "
                        + key.stream().map(k -> "o.`" + k.original().name() + "`").collect(Collectors.joining(", ")));
        assertSameValues(fixture, projections.stream().map(VerifyProjection.Projection::onGhost).toList(),
                " FROM " + fixture.plan.names().qualifiedGhost() + " g ORDER BY "
                        + key.stream().map(k -> "g.`" + k.ghost().name() + "`").collect(Collectors.joining(", ")));
    }

    private static void assertSameValues(Fixture fixture, List<String> terms, String from) throws SQLException {
        List<byte[][]> cast;
        List<byte[][]> unconverted;
        boolean[] isDouble = new boolean[terms.size()];
        try (Connection connection = fixture.connect()) {
            cast = rows(connection, "SELECT " + terms.stream().map(t -> "CAST(" + t + " AS BINARY)")
                    .collect(Collectors.joining(", ")) + from, null);
        }
        try (Connection connection = fixture.connect()) {
            Database.execute(connection, "SET SESSION character_set_results = binary");
            unconverted = rows(connection, "SELECT " + String.join(", ", terms) + from, isDouble);
        }
        assertThat(unconverted).hasSameSizeAs(cast).as("rows").isNotEmpty();
        for (int column = 0; column < terms.size(); column++) {
            List<Double> exact = isDouble[column] ? exactDoubles(fixture, "SELECT " + terms.get(column) + from) : null;
            for (int row = 0; row < cast.size(); row++) {
                byte[] actual = unconverted.get(row)[column];
                String what = "row " + (row + 1) + ", " + terms.get(column);
                if (exact == null || exact.get(row) == null) {
                    assertThat(actual).as(what).isEqualTo(cast.get(row)[column]);
                } else {
                    assertThat(Double.doubleToRawLongBits(Double.parseDouble(new String(actual, StandardCharsets.US_ASCII))))
                            .as(what + ": " + new String(actual, StandardCharsets.US_ASCII) + " reads back as the double sent")
                            .isEqualTo(Double.doubleToRawLongBits(exact.get(row)));
                }
            }
        }
    }

    /** One double column's values as the server holds them: sent in the binary protocol (a server-side statement). */
    private static List<Double> exactDoubles(Fixture fixture, String query) throws SQLException {
        List<Double> values = new ArrayList<>();
        try (Connection connection = java.sql.DriverManager.getConnection(SERVER.jdbcUrl(fixture.database)
                + "&useServerPrepStmts=true");
             PreparedStatement statement = connection.prepareStatement(query);
             ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                double value = rs.getDouble(1);
                values.add(rs.wasNull() ? null : value);
            }
        }
        return values;
    }

    /** Every row's values as bytes; marks in {@code isDouble}, if given, the columns the server sends as doubles. */
    private static List<byte[][]> rows(Connection connection, String query, boolean[] isDouble) throws SQLException {
        List<byte[][]> rows = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(query)) {
            int columns = rs.getMetaData().getColumnCount();
            for (int i = 1; isDouble != null && i <= columns; i++) {
                isDouble[i - 1] = rs.getMetaData().getColumnType(i) == java.sql.Types.DOUBLE;
            }
            while (rs.next()) {
                byte[][] row = new byte[columns][];
                for (int i = 1; i <= columns; i++) {
                    row[i - 1] = rs.getBytes(i);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @ParameterizedTest
    @EnumSource(ChecksumVerifier.Summing.class)
    void nullEmptyStringZeroByteAndShiftedValuesAreToldApart(ChecksumVerifier.Summing summing) throws Exception {
        Fixture fixture = Fixture.create(new Shape("nulls", "id INT NOT NULL PRIMARY KEY, s VARCHAR(10) NULL, b VARBINARY(10) NULL,"
                + " a VARCHAR(10) NOT NULL, c VARCHAR(10) NOT NULL, ci VARCHAR(10) NULL",
                "SELECT seq, IF(seq = 1, NULL, ''), IF(seq = 1, '', NULL), 'ab', 'c', 'x' FROM seq_1_to_3", "ADD COLUMN z INT", List.of(), false));
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000, summing);
        assertThat(fixture.mismatches(verifier)).isEmpty();

        // Row 1 has s NULL and b ''; rows 2 and 3 have s '' and b NULL.
        List<String[]> corruptions = List.of(
                new String[] {"1", "`s` = ''", "`s` = NULL"},              // NULL vs ''
                new String[] {"2", "`s` = NULL", "`s` = ''"},              // '' vs NULL
                new String[] {"1", "`b` = 0x00", "`b` = ''"},              // '' vs 0x00
                new String[] {"2", "`b` = ''", "`b` = NULL"},              // NULL vs '' (binary)
                new String[] {"2", "`b` = 0x00", "`b` = NULL"},            // NULL vs 0x00
                new String[] {"3", "`a` = 'a', `c` = 'bc'", "`a` = 'ab', `c` = 'c'"}, // ('ab','c') vs ('a','bc')
                new String[] {"3", "`ci` = 'X'", "`ci` = 'x'"},            // equal under the collation, different data
                new String[] {"3", "`ci` = 'x '", "`ci` = 'x'"});          // equal under PAD SPACE, different data
        for (String[] change : corruptions) {
            SERVER.execute(fixture.database, "UPDATE `_t_gho` SET " + change[1] + " WHERE `id` = " + change[0]);
            assertThat(fixture.mismatches(verifier)).as(change[1]).hasSize(1);
            SERVER.execute(fixture.database, "UPDATE `_t_gho` SET " + change[2] + " WHERE `id` = " + change[0]);
            assertThat(fixture.mismatches(verifier)).as("after undoing " + change[1]).isEmpty();
        }
    }

    @Test
    void aKeyWhoseTypeChangesBeyondMappingLeavesEveryColumnUnverified() throws Exception {
        String database = SERVER.createDatabase("verify_unmappable_key");
        SERVER.execute(database, "CREATE TABLE `t` (id INT NOT NULL PRIMARY KEY, v INT)", "INSERT INTO `t` SELECT seq, seq FROM seq_1_to_10");
        try (Connection connection = Fixture.connect(database)) {
            MigrationPlan plan = new Inspector(connection).plan(TableNames.of(database, "t"),
                    AlterClauses.parse("MODIFY id VARCHAR(20) NOT NULL"), false, false);
            ChecksumVerifier verifier = new ChecksumVerifier(plan, new SqlBuilder(plan, ServerKind.of(connection)), 1000);
            assertThat(verifier.comparesRows()).isFalse();
            assertThat(verifier.unverifiedColumns()).hasSize(2)
                    .allSatisfy(reason -> assertThat(reason)
                            // MySQL 8+ shows no display width: int, not int(11).
                            .containsPattern("chunking key column `id` changes from int(\\(11\\))? to varchar\\(20\\)"));
            Database.execute(connection, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
            assertThat(verifier.mismatches(connection)).isEmpty();
            Database.execute(connection, "ROLLBACK");
        }
    }

    @Test
    void snapshotHidesChangesCommittedAfterIt() throws Exception {
        Fixture fixture = corruptionFixture("range");
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000);
        try (Connection snapshot = fixture.connect()) {
            Database.execute(snapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
            // Committed after the snapshot: invisible to the verification.
            SERVER.execute(fixture.database, "UPDATE `t` SET `v` = 'later' WHERE `id` = 100", "DELETE FROM `_t_gho` WHERE `id` = 19000");
            assertThat(verifier.mismatches(snapshot)).isEmpty();
            Database.execute(snapshot, "ROLLBACK");
        }
        assertThat(fixture.mismatches(verifier)).hasSize(2);
    }

    /**
     * What the pass relies on for the bytes it hashes: while it reads, its connection converts no result; afterwards the
     * caller's connection has its own setting back. Where the server sums up, the setting is left alone.
     */
    @ParameterizedTest
    @EnumSource(ChecksumVerifier.Summing.class)
    void whileTransmogHashesThePassReadsResultsUnconvertedAndRestoresTheSetting(ChecksumVerifier.Summing summing)
            throws Exception {
        Fixture fixture = corruptionFixture("range");
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000, summing);
        try (Connection snapshot = fixture.connect(); Connection ghostSnapshot = fixture.connect()) {
            Database.execute(ghostSnapshot, "SET SESSION character_set_results = latin1");
            Database.execute(snapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
            Database.execute(ghostSnapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
            List<String> duringThePass = new ArrayList<>();
            // Before each chunk the original's side has closed its last read, so its connection can be asked.
            assertThat(verifier.mismatches(snapshot, ghostSnapshot, () -> {
                try {
                    duringThePass.add(resultsCharset(snapshot));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            })).isEmpty();
            assertThat(duringThePass).hasSize(10)
                    .containsOnly(summing == ChecksumVerifier.Summing.BY_TRANSMOG ? "binary" : "utf8mb4");
            assertThat(resultsCharset(snapshot)).as("the original's side afterwards").isEqualTo("utf8mb4");
            assertThat(resultsCharset(ghostSnapshot)).as("the ghost's side afterwards").isEqualTo("latin1");
            Database.execute(snapshot, "ROLLBACK");
            Database.execute(ghostSnapshot, "ROLLBACK");
        }
    }

    private static String resultsCharset(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT @@SESSION.character_set_results")) {
            rs.next();
            return new String(rs.getBytes(1), StandardCharsets.US_ASCII);
        }
    }

    @ParameterizedTest
    @EnumSource(ChecksumVerifier.Summing.class)
    void aPassSendsAStatementOrTwoPerChunkAndSide(ChecksumVerifier.Summing summing) throws Exception {
        Fixture fixture = corruptionFixture("range");
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000, summing);
        try (Connection snapshot = fixture.connect(); Connection ghostSnapshot = fixture.connect()) {
            Database.execute(snapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
            Database.execute(ghostSnapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
            long originalBefore = sessionStatements(snapshot);
            long ghostBefore = sessionStatements(ghostSnapshot);
            assertThat(verifier.mismatches(snapshot, ghostSnapshot, () -> { })).isEmpty();
            long chunks = verifier.chunksCompared();
            assertThat(chunks).as("10,000 rows in chunks of 1,000").isEqualTo(10);
            // Summed up by the server, the original's side first finds each chunk's end, then sums the chunk up; read
            // row by row, a chunk's read finds its end (and the driver's two SETs around each streaming query are off:
            // the session got its net_write_timeout when it connected). The original's side also asks the session's
            // isolation level once; the counter's read counts itself.
            // Read row by row, each side also reads, changes and restores the session's character_set_results.
            long perChunk = summing == ChecksumVerifier.Summing.BY_SERVER ? 2 : 1;
            long perPass = summing == ChecksumVerifier.Summing.BY_SERVER ? 0 : 3;
            assertThat(sessionStatements(snapshot) - originalBefore).isEqualTo(1 + perChunk * chunks + perPass + 1);
            assertThat(sessionStatements(ghostSnapshot) - ghostBefore).isEqualTo(chunks + perPass + 1);
            for (Connection connection : List.of(snapshot, ghostSnapshot)) {
                try (Statement statement = connection.createStatement();
                     ResultSet rs = statement.executeQuery("SELECT @@SESSION.net_write_timeout")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("a slow reader of streamed rows is given time").isEqualTo(600);
                }
            }
            Database.execute(snapshot, "ROLLBACK");
            Database.execute(ghostSnapshot, "ROLLBACK");
        }
    }

    /**
     * CRC32 is linear over XOR: the same wrong byte at the same place of two rows of one chunk changes both rows'
     * checksums by the same bits, which cancel out of the chunk's XOR. The server's sum of squares still shows them;
     * transmog's own hashes go through a finalizer that is not linear.
     */
    static Stream<Arguments> corruptionModesSummedBothWays() {
        return corruptionModes().flatMap(mode -> Stream.of(ChecksumVerifier.Summing.values()).map(summing -> Arguments.of(mode, summing)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("corruptionModesSummedBothWays")
    void theSameWrongByteInTwoRowsOfAChunkIsSeen(String mode, ChecksumVerifier.Summing summing) throws Exception {
        Fixture fixture = corruptionFixture(mode);
        ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, 1000, summing);
        // Keys 4002 and 4004 hold 'value 2001' and 'value 2002': equal lengths, so the flipped case of the first
        // letter is the same bit at the same offset of both rows' bytes.
        SERVER.execute(fixture.database, "UPDATE `_t_gho` SET `v` = CONCAT('V', SUBSTRING(`v`, 2)) WHERE `id` IN ("
                + keyLiteral(mode, 4002) + ", " + keyLiteral(mode, 4004) + ")");
        List<KeyRange> changed = fixture.mismatches(verifier);
        assertThat(changed).as("one chunk holds both rows").hasSize(1);
        assertThat(contains(changed.get(0), 4002) && contains(changed.get(0), 4004)).as(changed.get(0).toString()).isTrue();
        assertThat(fixture.repairAndExpectClean(verifier, changed)).as("rows re-copied").isEqualTo(1000);
    }

    private static long sessionStatements(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW SESSION STATUS LIKE 'Questions'")) {
            rs.next();
            return rs.getLong(2);
        }
    }

    @Test
    void throughputOn200kRows() throws Exception {
        Fixture fixture = Fixture.create(new Shape("throughput", "id INT NOT NULL PRIMARY KEY, a INT, b VARCHAR(64), c DATETIME(6),"
                + " d DECIMAL(12,2), e VARCHAR(255) CHARACTER SET latin1, f DOUBLE",
                "SELECT seq, seq * 7, LEFT(SHA2(seq, 256), 32), TIMESTAMPADD(MICROSECOND, seq * 7919000123, '2020-01-01'), seq / 7,"
                        + " REPEAT(CHAR(65 + seq % 26), 1 + seq % 100), seq / 3 FROM seq_1_to_200000",
                "MODIFY a BIGINT, MODIFY e VARCHAR(255) CHARACTER SET utf8mb4, ADD COLUMN g INT", List.of(), false));
        for (int chunkSize : new int[] {1000, 5000}) {
            ChecksumVerifier verifier = new ChecksumVerifier(fixture.plan, fixture.sql, chunkSize);
            long started = System.nanoTime();
            List<KeyRange> mismatches = fixture.mismatches(verifier);
            double seconds = (System.nanoTime() - started) / 1e9;
            assertThat(mismatches).isEmpty();
            assertThat(verifier.rowsCompared()).isEqualTo(200_000);
            System.out.printf("[throughput] chunk %d: verified %d rows (%d chunks, 7 columns, 2 type changes) in %.2f s: %.0f rows/s%n",
                    chunkSize, verifier.rowsCompared(), verifier.chunksCompared(), seconds, verifier.rowsCompared() / seconds);
        }
    }

    /** One table, its plan, and its ghost filled by the copy's INSERT ... SELECT. */
    private record Fixture(String database, MigrationPlan plan, SqlBuilder sql) {
        static Fixture create(Shape shape) throws Exception {
            String database = SERVER.createDatabase("verify_" + shape.name());
            // Zero dates are part of the data (MySQL's default sql_mode would refuse them).
            SERVER.execute(database, MariaDbServer.ZERO_DATES_SQL_MODE,
                    "CREATE TABLE `t` (" + shape.columns() + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                    "INSERT INTO `t` " + shape.seed());
            Fixture fixture;
            try (Connection connection = connect(database)) {
                MigrationPlan plan = new Inspector(connection).plan(TableNames.of(database, "t"), AlterClauses.parse(shape.alter()), false, false);
                SqlBuilder sql = new SqlBuilder(plan, ServerKind.of(connection));
                fixture = new Fixture(database, plan, sql);
                Database.execute(connection, sql.createGhost());
                Database.execute(connection, SqlBuilder.alterTable(plan.names().qualifiedGhost(), shape.alter()));
                try (PreparedStatement copy = sql.copyRange(null, false, null).prepare(connection)) {
                    copy.executeLargeUpdate();
                    Warnings.requireNone(copy, "copying " + shape.name());
                }
            }
            assertThat(new ChecksumVerifier(fixture.plan, fixture.sql, 1000).comparesRows()).isTrue();
            assertThat(VerifyProjection.keyOrderDifference(fixture.plan.keyColumns()).isPresent()).as("verified by joining on the key")
                    .isEqualTo(shape.joined());
            return fixture;
        }

        Connection connect() {
            return connect(database);
        }

        /** Some shapes hold zero dates: on a server whose sql_mode forbids them (MySQL's default) a user passes --allow-zero-in-date. */
        static Connection connect(String database) {
            return new Database(new ConnectionConfig(SERVER.host(), SERVER.port(), SERVER.user(), SERVER.password(), database), true)
                    .connect();
        }

        /** As the migration verifies: the ghost's side on a second snapshot, read concurrently. */
        List<KeyRange> mismatches(ChecksumVerifier verifier) throws SQLException {
            return mismatches(verifier, () -> { });
        }

        List<KeyRange> mismatches(ChecksumVerifier verifier, ChecksumVerifier.Pacing pacing) throws SQLException {
            try (Connection snapshot = connect(); Connection ghostSnapshot = connect()) {
                Database.execute(snapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
                Database.execute(ghostSnapshot, "START TRANSACTION WITH CONSISTENT SNAPSHOT");
                try {
                    return verifier.mismatches(snapshot, ghostSnapshot, pacing);
                } finally {
                    Database.execute(snapshot, "ROLLBACK");
                    Database.execute(ghostSnapshot, "ROLLBACK");
                }
            }
        }

        long repairAndExpectClean(ChecksumVerifier verifier, List<KeyRange> ranges) throws Exception {
            long inserted;
            try (Connection connection = connect()) {
                inserted = verifier.repair(connection, ranges);
            }
            assertThat(mismatches(verifier)).as("after repair").isEmpty();
            String original = SERVER.queryString(database, "SELECT CONCAT(COUNT(*), ':', BIT_XOR(CRC32(CONCAT_WS('|', `id`, `v`, `n`)))) FROM `t`");
            String ghost = SERVER.queryString(database, "SELECT CONCAT(COUNT(*), ':', BIT_XOR(CRC32(CONCAT_WS('|', `id`, `v`, `n`)))) FROM `_t_gho`");
            assertThat(ghost).as("ghost after repair").isEqualTo(original);
            return inserted;
        }
    }
}
