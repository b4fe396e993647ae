package io.transmog.engine.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.engine.sql.VerifyProjection.Family;
import io.transmog.engine.sql.VerifyProjection.Projection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SQL verification renders per column and per key column, for each type family and each conversion it knows. */
class VerifyProjectionTest {

  private static ColumnInfo plain(String dataType, String columnType) {
    return new ColumnInfo("c", 0, dataType, columnType, null, null, true, false);
  }

  private static ColumnInfo text(String dataType, String columnType, String charset, String collation) {
    return new ColumnInfo("c", 0, dataType, columnType, charset, collation, true, false);
  }

  private static ColumnInfo utf8(String dataType, String columnType) {
    return text(dataType, columnType, "utf8mb4", "utf8mb4_general_ci");
  }

  private static Optional<Projection> checksum(ColumnInfo original, ColumnInfo ghost) {
    return VerifyProjection.checksum(original, ghost);
  }

  private static Projection projection(String onOriginal, String onGhost) {
    return new Projection(onOriginal, onGhost);
  }

  // ---- families ----

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "tinyint, INT", "smallint, INT", "mediumint, INT", "int, INT", "integer, INT", "bigint, INT",
      "decimal, DECIMAL", "numeric, DECIMAL",
      "float, FLOAT", "double, FLOAT", "real, FLOAT",
      "binary, BINARY", "varbinary, BINARY", "tinyblob, BINARY", "blob, BINARY", "mediumblob, BINARY", "longblob, BINARY",
      "enum, ENUM", "set, SET", "bit, BIT", "date, DATE", "datetime, DATETIME", "timestamp, TIMESTAMP", "time, TIME",
      "year, YEAR", "json, OTHER", "geometry, OTHER",
  })
  void everyDataTypeHasItsFamily(String dataType, Family family) {
    assertThat(Family.of(plain(dataType, dataType))).isEqualTo(family);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"char", "varchar", "tinytext", "text", "mediumtext", "longtext"})
  void characterTypesAreTextWithACharacterSetAndBinaryWithout(String dataType) {
    assertThat(Family.of(utf8(dataType, dataType))).isEqualTo(Family.TEXT);
    assertThat(Family.of(text(dataType, dataType, "binary", "binary"))).isEqualTo(Family.BINARY);
    assertThat(Family.of(plain(dataType, dataType))).isEqualTo(Family.BINARY);
  }

  // ---- an unchanged column ----

  @Test
  void anUnchangedColumnIsComparedAsItIsExceptWhereItsTextIsNotExact() {
    assertThat(checksum(plain("int", "int(11)"), plain("int", "int(11)"))).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(utf8("varchar", "varchar(20)"), utf8("varchar", "varchar(20)"))).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(plain("decimal", "decimal(10,2)"), plain("decimal", "decimal(10,2)")))
        .contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(plain("float", "float"), plain("float", "float")))
        .contains(projection("CAST(o.`c` AS DOUBLE)", "CAST(g.`c` AS DOUBLE)"));
    for (ColumnInfo numbered : List.of(plain("bit", "bit(3)"), utf8("enum", "enum('a','b')"), utf8("set", "set('x','y')"))) {
      assertThat(checksum(numbered, numbered)).as(numbered.columnType()).contains(projection("o.`c`+0", "g.`c`+0"));
    }
    assertThat(checksum(plain("timestamp", "timestamp(3)"), plain("timestamp", "timestamp(3)")))
        .contains(projection("UNIX_TIMESTAMP(o.`c`)", "UNIX_TIMESTAMP(g.`c`)"));
    assertThat(checksum(plain("json", "json"), plain("json", "json"))).contains(projection("o.`c`", "g.`c`"));
  }

  @Test
  void aCollationChangeAloneIsAConversion() {
    assertThat(checksum(utf8("varchar", "varchar(20)"), text("varchar", "varchar(20)", "utf8mb4", "utf8mb4_bin")))
        .contains(projection("o.`c`", "g.`c`"));
  }

  @Test
  void renamedColumnsAreQuotedOnEachSide() {
    ColumnInfo original = new ColumnInfo("o`ld", 0, "int", "int(11)", null, null, true, false);
    ColumnInfo ghost = new ColumnInfo("new", 0, "bigint", "bigint(20)", null, null, true, false);
    assertThat(checksum(original, ghost)).contains(projection("o.`o``ld`", "g.`new`"));
  }

  // ---- conversions between types ----

  @Test
  void numbersWidenToTheGhostsType() {
    assertThat(checksum(plain("int", "int(11)"), plain("bigint", "bigint(20) unsigned"))).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(plain("int", "int(11)"), plain("decimal", "decimal(12,2)")))
        .contains(projection("CAST(o.`c` AS DECIMAL(12,2))", "g.`c`"));
    assertThat(checksum(plain("decimal", "decimal(10,2)"), plain("decimal", "decimal(12,1)")))
        .contains(projection("CAST(o.`c` AS DECIMAL(12,1))", "g.`c`"));
    assertThat(checksum(plain("decimal", "decimal(10,2)"), plain("int", "int(11)"))).isEmpty();
    assertThat(checksum(plain("float", "float"), plain("int", "int(11)"))).isEmpty();
  }

  @Test
  void floatingPointIsComparedAsDoubleOnlyWhereTheGhostKeepsEveryValue() {
    assertThat(checksum(plain("float", "float"), plain("double", "double")))
        .contains(projection("CAST(o.`c` AS DOUBLE)", "CAST(g.`c` AS DOUBLE)"));
    assertThat(checksum(plain("float", "float"), plain("real", "real"))).isPresent();
    assertThat(checksum(plain("double", "double"), plain("float", "float"))).as("narrowed: rounding").isEmpty();
    assertThat(checksum(plain("float", "float"), plain("float", "float(7,2)"))).as("fixed digits round").isEmpty();
    assertThat(checksum(plain("int", "int(11)"), plain("double", "double"))).isEmpty();
  }

  @Test
  void textIsConvertedToTheGhostsCharacterSetAndCharDropsTrailingSpaces() {
    ColumnInfo latin1 = text("varchar", "varchar(20)", "latin1", "latin1_swedish_ci");
    assertThat(checksum(latin1, utf8("varchar", "varchar(20)")))
        .contains(projection("CONVERT(o.`c` USING utf8mb4)", "g.`c`"));
    assertThat(checksum(utf8("varchar", "varchar(20)"), utf8("varchar", "varchar(40)"))).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(utf8("varchar", "varchar(20)"), utf8("char", "char(20)")))
        .contains(projection("TRIM(TRAILING ' ' FROM o.`c`)", "g.`c`"));
    assertThat(checksum(latin1, utf8("char", "char(20)")))
        .contains(projection("TRIM(TRAILING ' ' FROM CONVERT(o.`c` USING utf8mb4))", "g.`c`"));
    assertThat(checksum(utf8("char", "char(10)"), utf8("char", "char(20)"))).contains(projection("o.`c`", "g.`c`"));
  }

  @Test
  void numbersEnumsAndSetsBecomeTheGhostsText() {
    ColumnInfo ghost = utf8("varchar", "varchar(64)");
    assertThat(checksum(plain("int", "int(11)"), ghost)).contains(projection("CONVERT(o.`c` USING utf8mb4)", "g.`c`"));
    assertThat(checksum(plain("decimal", "decimal(10,2)"), ghost)).contains(projection("CONVERT(o.`c` USING utf8mb4)", "g.`c`"));
    assertThat(checksum(utf8("enum", "enum('a','b')"), ghost)).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(utf8("set", "set('x','y')"), ghost)).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(plain("date", "date"), ghost)).isEmpty();
    assertThat(checksum(plain("float", "float"), ghost)).isEmpty();
    assertThat(checksum(plain("varbinary", "varbinary(16)"), ghost)).isEmpty();
  }

  @Test
  void textAndBinaryBecomeTheGhostsBytesAndBinaryPadsWithZeros() {
    assertThat(checksum(utf8("varchar", "varchar(16)"), plain("varbinary", "varbinary(64)"))).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(utf8("varchar", "varchar(16)"), plain("binary", "binary(64)")))
        .contains(projection("CAST(o.`c` AS BINARY(64))", "g.`c`"));
    assertThat(checksum(plain("binary", "binary(8)"), plain("binary", "binary(16)")))
        .contains(projection("CAST(o.`c` AS BINARY(16))", "g.`c`"));
    assertThat(checksum(plain("blob", "blob"), plain("longblob", "longblob"))).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(plain("int", "int(11)"), plain("varbinary", "varbinary(16)"))).isEmpty();
  }

  @Test
  void enumMembersAreMatchedByNameInTheGhostsList() {
    ColumnInfo ab = utf8("enum", "enum('a','b')");
    assertThat(checksum(ab, utf8("enum", "enum('b','a')"))).contains(projection("ELT(o.`c`+1, 0, 2, 1)", "g.`c`+0"));
    assertThat(checksum(ab, utf8("enum", "enum('a','b','c')"))).contains(projection("ELT(o.`c`+1, 0, 1, 2)", "g.`c`+0"));
    assertThat(checksum(ab, utf8("enum", "enum('A','c')")))
        .as("a name matches case-insensitively, a missing one is -1").contains(projection("ELT(o.`c`+1, 0, 1, -1)", "g.`c`+0"));
    assertThat(checksum(ab, text("enum", "enum('a','b')", "utf8mb4", "utf8mb4_bin")))
        .as("same members, other collation").contains(projection("o.`c`+0", "g.`c`+0"));
    assertThat(checksum(ab, utf8("set", "set('a','b')"))).isEmpty();
  }

  @Test
  void setBitsAreMovedToTheGhostsMemberPositions() {
    ColumnInfo xy = utf8("set", "set('x','y')");
    assertThat(checksum(xy, utf8("set", "set('x','y','z')"))).as("appended").contains(projection("o.`c`+0", "g.`c`+0"));
    assertThat(checksum(xy, utf8("set", "set('y','x')")))
        .contains(projection("((((o.`c`+0 >> 0) & 1) << 1) | (((o.`c`+0 >> 1) & 1) << 0))", "g.`c`+0"));
    assertThat(checksum(xy, utf8("set", "set('y')")))
        .as("a member the ghost lacks lands beyond its bits")
        .contains(projection("((((o.`c`+0 >> 0) & 1) << 63) | (((o.`c`+0 >> 1) & 1) << 0))", "g.`c`+0"));
    assertThat(checksum(xy, utf8("enum", "enum('x','y')"))).isEmpty();
  }

  @Test
  void bitsAreComparedAsNumbers() {
    assertThat(checksum(plain("bit", "bit(1)"), plain("bit", "bit(8)"))).contains(projection("o.`c`+0", "g.`c`+0"));
    assertThat(checksum(plain("bit", "bit(8)"), plain("int", "int(11)"))).isEmpty();
  }

  @Test
  void datesAndTimesAreCastToTheGhostsTypeAndPrecision() {
    ColumnInfo date = plain("date", "date");
    ColumnInfo datetime = plain("datetime", "datetime");
    ColumnInfo timestamp6 = plain("timestamp", "timestamp(6)");
    assertThat(checksum(datetime, date)).contains(projection("CAST(o.`c` AS DATE)", "g.`c`"));
    assertThat(checksum(timestamp6, date)).contains(projection("CAST(o.`c` AS DATE)", "g.`c`"));
    assertThat(checksum(date, plain("datetime", "datetime(3)"))).contains(projection("CAST(o.`c` AS DATETIME(3))", "g.`c`"));
    assertThat(checksum(timestamp6, datetime)).contains(projection("CAST(o.`c` AS DATETIME(0))", "g.`c`"));
    assertThat(checksum(datetime, timestamp6)).contains(projection("CAST(o.`c` AS DATETIME(6))", "g.`c`"));
    assertThat(checksum(timestamp6, plain("timestamp", "timestamp")))
        .as("a lower precision truncates, as the copy does")
        .contains(projection("CAST(TRUNCATE(UNIX_TIMESTAMP(o.`c`), 0) AS DECIMAL(24,6))",
            "CAST(UNIX_TIMESTAMP(g.`c`) AS DECIMAL(24,6))"));
    assertThat(checksum(plain("time", "time"), plain("time", "time(3)"))).contains(projection("CAST(o.`c` AS TIME(3))", "g.`c`"));
    assertThat(checksum(date, date)).contains(projection("o.`c`", "g.`c`"));
    assertThat(checksum(plain("time", "time"), datetime)).isEmpty();
    assertThat(checksum(date, plain("time", "time"))).isEmpty();
    assertThat(checksum(date, plain("timestamp", "timestamp"))).contains(projection("CAST(o.`c` AS DATETIME(0))", "g.`c`"));
  }

  @Test
  void yearAndOtherTypesHaveNoConversion() {
    assertThat(checksum(plain("year", "year(4)"), plain("year", "year"))).isEmpty();
    assertThat(checksum(plain("year", "year"), plain("int", "int(11)"))).isEmpty();
    assertThat(checksum(plain("json", "json"), utf8("text", "text"))).isEmpty();
    assertThat(checksum(utf8("text", "text"), plain("json", "json"))).isEmpty();
  }

  @Test
  void characterSetAndCollationNamesThatAreNotPlainNamesNeverReachSql() {
    ColumnInfo odd = text("varchar", "varchar(20)", "utf8mb4", "x' OR '1");
    assertThat(checksum(odd, odd)).isEmpty();
    assertThat(checksum(utf8("varchar", "varchar(20)"), text("varchar", "varchar(20)", "utf8;x", "utf8_general_ci"))).isEmpty();
    assertThat(VerifyProjection.ghostKeyFromOriginal(new KeyColumn(odd, odd))).isEmpty();
    assertThat(VerifyProjection.originalKeyFromGhost(new KeyColumn(odd, odd), true)).isEmpty();
  }

  // ---- key columns ----

  private static KeyColumn key(ColumnInfo original, ColumnInfo ghost) {
    return new KeyColumn(original, ghost);
  }

  private static Optional<String> orderDifference(ColumnInfo original, ColumnInfo ghost) {
    return VerifyProjection.keyOrderDifference(List.of(key(original, ghost)));
  }

  @Test
  void aKeyThatKeepsItsOrderIsCheckedInRangesOfTheGhostsKey() {
    Map<String, List<ColumnInfo>> keepOrder = Map.of(
        "same type", List.of(plain("int", "int(11)"), plain("int", "int(11)")),
        "int widened", List.of(plain("int", "int(11)"), plain("bigint", "bigint(20)")),
        "int to decimal", List.of(plain("int", "int(11)"), plain("decimal", "decimal(12,2)")),
        "decimal scale kept", List.of(plain("decimal", "decimal(10,2)"), plain("decimal", "decimal(14,2)")),
        "text, same collation", List.of(utf8("varchar", "varchar(20)"), utf8("varchar", "varchar(40)")),
        "varbinary to varbinary", List.of(plain("varbinary", "varbinary(8)"), plain("varbinary", "varbinary(16)")),
        "binary widened", List.of(plain("binary", "binary(8)"), plain("binary", "binary(16)")),
        "date to datetime", List.of(plain("date", "date"), plain("datetime", "datetime")),
        "datetime more precise", List.of(plain("datetime", "datetime"), plain("timestamp", "timestamp(3)")),
        "time more precise", List.of(plain("time", "time"), plain("time", "time(3)")));
    keepOrder.forEach((why, pair) -> assertThat(orderDifference(pair.get(0), pair.get(1))).as(why).isEmpty());
  }

  @Test
  void aKeyWhoseOrderMayChangeIsCheckedByJoiningAndSaysWhy() {
    assertThat(orderDifference(utf8("varchar", "varchar(20)"), text("varchar", "varchar(20)", "utf8mb4", "utf8mb4_bin")))
        .contains("chunking key column `c` changes from varchar(20) utf8mb4_general_ci to varchar(20) utf8mb4_bin");
    assertThat(orderDifference(plain("datetime", "datetime(3)"), plain("datetime", "datetime")))
        .contains("chunking key column `c` changes from datetime(3) to datetime");
    assertThat(orderDifference(plain("decimal", "decimal(10,2)"), plain("decimal", "decimal(12,1)"))).isPresent();
    assertThat(orderDifference(plain("int", "int(11)"), utf8("varchar", "varchar(20)"))).isPresent();
    assertThat(orderDifference(plain("varbinary", "varbinary(8)"), plain("binary", "binary(8)"))).isPresent();
    assertThat(orderDifference(plain("binary", "binary(16)"), plain("binary", "binary(8)"))).isPresent();
    assertThat(orderDifference(plain("year", "year(4)"), plain("year", "year"))).isEmpty();
    assertThat(orderDifference(plain("bit", "bit(4)"), plain("bit", "bit(8)"))).isEmpty();
    ColumnInfo ab = utf8("enum", "enum('a','b')");
    assertThat(orderDifference(ab, ab)).as("member numbers are not range-optimised")
        .contains("chunking key column `c` is an ENUM or SET");
  }

  @Test
  void theFirstKeyColumnWithADifferenceIsReported() {
    ColumnInfo tenant = new ColumnInfo("tenant", 0, "int", "int(11)", null, null, false, false);
    ColumnInfo code = new ColumnInfo("code", 1, "varchar", "varchar(8)", "utf8mb4", "utf8mb4_general_ci", false, false);
    ColumnInfo codeBin = new ColumnInfo("code", 1, "varchar", "varchar(8)", "utf8mb4", "utf8mb4_bin", false, false);
    assertThat(VerifyProjection.keyOrderDifference(List.of(key(tenant, tenant), key(code, codeBin))))
        .hasValueSatisfying(why -> assertThat(why).startsWith("chunking key column `code` changes"));
    assertThat(VerifyProjection.keyOrderDifference(List.of(key(tenant, tenant), key(code, code)))).isEmpty();
  }

  @Test
  void keyColumnsMapBetweenTheTablesInBothDirections() {
    assertKeyMapping(plain("int", "int(11)"), plain("bigint", "bigint(20)"), "o.`c`", "g.`c`", "g.`c`");
    assertKeyMapping(utf8("varchar", "varchar(20)"), text("varchar", "varchar(20)", "utf8mb4", "utf8mb4_bin"),
        "o.`c` COLLATE utf8mb4_bin", "CAST(CONVERT(g.`c` USING utf8mb4) AS BINARY)",
        "CONVERT(g.`c` USING utf8mb4) COLLATE utf8mb4_general_ci");
    assertKeyMapping(text("varchar", "varchar(20)", "latin1", "latin1_swedish_ci"), utf8("varchar", "varchar(20)"),
        "CONVERT(o.`c` USING utf8mb4) COLLATE utf8mb4_general_ci", "CAST(CONVERT(g.`c` USING latin1) AS BINARY)",
        "CONVERT(g.`c` USING latin1) COLLATE latin1_swedish_ci");
    assertKeyMapping(utf8("varchar", "varchar(20)"), plain("binary", "binary(32)"),
        "CAST(o.`c` AS BINARY(32))", "CAST(CONVERT(g.`c` USING utf8mb4) AS BINARY)",
        "CONVERT(g.`c` USING utf8mb4) COLLATE utf8mb4_general_ci");
    assertKeyMapping(plain("binary", "binary(8)"), plain("binary", "binary(16)"),
        "CAST(o.`c` AS BINARY(16))", "CAST(LEFT(g.`c`, 8) AS BINARY(8))", "CAST(LEFT(g.`c`, 8) AS BINARY(8))");
    assertKeyMapping(plain("bit", "bit(4)"), plain("bit", "bit(8)"), "o.`c`", "g.`c`+0", "g.`c`");
    assertKeyMapping(plain("date", "date"), plain("datetime", "datetime"), "o.`c`", "g.`c`", "g.`c`");
    assertKeyMapping(utf8("enum", "enum('a','b')"), utf8("enum", "enum('b','a')"),
        "(ELT(o.`c`+1, 0, 2, 1))+0", "(ELT(g.`c`+1, 0, 2, 1))+0", "(ELT(g.`c`+1, 0, 2, 1))+0");
    // Back from the ghost, its member z (bit 2) has no bit in the original: it lands beyond them, matching nothing.
    String ghostSetAsOriginal = "(((((g.`c`+0 >> 0) & 1) << 0) | (((g.`c`+0 >> 1) & 1) << 1) | (((g.`c`+0 >> 2) & 1) << 63)))+0";
    assertKeyMapping(utf8("set", "set('x','y')"), utf8("set", "set('x','y','z')"), "(o.`c`+0)+0", ghostSetAsOriginal,
        ghostSetAsOriginal);
  }

  private static void assertKeyMapping(ColumnInfo original, ColumnInfo ghost, String ghostFromOriginal,
                                       String originalSelectedFromGhost, String originalComparedFromGhost) {
    KeyColumn column = key(original, ghost);
    String pair = original.columnType() + " -> " + ghost.columnType();
    assertThat(VerifyProjection.ghostKeyFromOriginal(column)).as(pair).contains(ghostFromOriginal);
    assertThat(VerifyProjection.originalKeyFromGhost(column, true)).as(pair).contains(originalSelectedFromGhost);
    assertThat(VerifyProjection.originalKeyFromGhost(column, false)).as(pair).contains(originalComparedFromGhost);
    assertThat(VerifyProjection.keyJoinProblem(List.of(column))).as(pair).isEmpty();
  }

  @Test
  void aKeyWithNoExactMappingCannotBeJoinedAndSaysWhich() {
    List<List<ColumnInfo>> unmapped = List.of(
        List.of(plain("int", "int(11)"), utf8("varchar", "varchar(20)")),
        List.of(plain("decimal", "decimal(10,2)"), plain("int", "int(11)")),
        List.of(plain("time", "time"), plain("datetime", "datetime")),
        List.of(plain("varbinary", "varbinary(8)"), plain("binary", "binary(16)")),
        List.of(utf8("enum", "enum('a','b')"), utf8("varchar", "varchar(8)")),
        List.of(plain("year", "year"), plain("int", "int(11)")));
    for (List<ColumnInfo> pair : unmapped) {
      assertThat(VerifyProjection.keyJoinProblem(List.of(key(pair.get(0), pair.get(1)))))
          .as(pair.stream().map(ColumnInfo::columnType).collect(Collectors.joining(" -> ")))
          .contains("chunking key column `c` changes from " + pair.get(0).columnType() + " to " + pair.get(1).columnType()
              + ", which has no exact mapping between the two tables");
    }
  }

  @Test
  void everyFamilyIsCoveredAboveAsAnUnchangedColumn() {
    List<ColumnInfo> oneOfEach = List.of(plain("int", "int"), plain("decimal", "decimal(5,1)"), plain("float", "float"),
        utf8("text", "text"), plain("blob", "blob"), utf8("enum", "enum('a')"), utf8("set", "set('a')"),
        plain("bit", "bit(1)"), plain("date", "date"), plain("datetime", "datetime"), plain("timestamp", "timestamp"),
        plain("time", "time"), plain("year", "year"), plain("json", "json"));
    assertThat(oneOfEach.stream().map(Family::of)).containsExactlyInAnyOrder(Family.values());
    assertThat(oneOfEach).allSatisfy(column -> assertThat(checksum(column, column)).as(column.columnType()).isPresent());
  }
}
