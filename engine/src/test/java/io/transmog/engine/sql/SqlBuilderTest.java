package io.transmog.engine.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.transmog.engine.db.ServerKind;
import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.engine.inspect.MigrationPlan;
import io.transmog.engine.inspect.MigrationPlan.ColumnPair;
import io.transmog.engine.inspect.TableSchema;
import io.transmog.engine.inspect.UniqueKey;
import io.transmog.engine.sql.BoundStatement.Binding;
import io.transmog.engine.sql.KeyColumn.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlBuilderTest {
  private static final String DB = "sh`op";
  private static final String TABLE = "or`ders";
  private static final String Q_ORIGINAL = "`sh``op`.`or``ders`";
  private static final String Q_GHOST = "`sh``op`.`_or``ders_gho`";
  private static final String Q_CHANGELOG = "`sh``op`.`_or``ders_ghc`";
  private static final String Q_OLD = "`sh``op`.`_or``ders_del`";
  private static final String Q_SENTRY = "`sh``op`.`or``ders$del`";
  private static final ServerKind MARIADB = ServerKind.parse("10.11.6-MariaDB-0+deb12u1");
  private static final ServerKind MYSQL = ServerKind.parse("9.7.4");

  // Original: (`te`nant` INT, `co`de` VARCHAR latin1, `note` TEXT, `old` INT, `total` generated)
  private static final ColumnInfo TENANT =
      new ColumnInfo("te`nant", 0, "int", "int(11)", null, null, false, false);
  private static final ColumnInfo CODE = new ColumnInfo(
      "co`de", 1, "varchar", "varchar(20)", "latin1", "latin1_swedish_ci", false, false);
  private static final ColumnInfo NOTE =
      new ColumnInfo("note", 2, "text", "text", "utf8mb4", "utf8mb4_general_ci", true, false);
  private static final ColumnInfo OLD = new ColumnInfo("old", 3, "int", "int(11)", null, null, true, false);

  // Ghost: the ALTER converted `co`de` to utf8mb4 and renamed old -> new, added `added`.
  private static final ColumnInfo GHOST_CODE = new ColumnInfo(
      "co`de", 1, "varchar", "varchar(20)", "utf8mb4", "utf8mb4_bin", false, false);
  private static final ColumnInfo NEW = new ColumnInfo("new", 3, "int", "int(11)", null, null, true, false);
  private static final ColumnInfo ADDED =
      new ColumnInfo("added", 4, "int", "int(11)", null, null, false, false);

  private static final UniqueKey COMPOSITE = new UniqueKey("uk`tenant_code", List.of("te`nant", "co`de"));

  private static MigrationPlan compositePlan() {
    TableSchema original = new TableSchema(DB, TABLE, List.of(TENANT, CODE, NOTE, OLD),
        List.of(COMPOSITE), "CREATE TABLE ...");
    TableSchema ghost = new TableSchema(DB, "_or`ders_gho", List.of(TENANT, GHOST_CODE, NOTE, NEW, ADDED),
        List.of(COMPOSITE), "CREATE TABLE ...");
    return new MigrationPlan(TableNames.of(DB, TABLE), "CHANGE old new INT, ADD COLUMN added INT",
        original, ghost, COMPOSITE, COMPOSITE,
        List.of(new KeyColumn(TENANT, TENANT), new KeyColumn(CODE, GHOST_CODE)),
        List.of(new ColumnPair("te`nant", "te`nant"), new ColumnPair("co`de", "co`de"),
            new ColumnPair("note", "note"), new ColumnPair("old", "new")),
        List.of("added"), List.of(), Map.of("old", "new"), 1234);
  }

  private static final ColumnInfo ID =
      new ColumnInfo("id", 0, "bigint", "bigint(20) unsigned", null, null, false, false);
  private static final ColumnInfo V =
      new ColumnInfo("v", 1, "varchar", "varchar(10)", "utf8mb4", "utf8mb4_general_ci", true, false);

  private static MigrationPlan singleKeyPlan() {
    UniqueKey primary = new UniqueKey("PRIMARY", List.of("id"));
    TableSchema original = new TableSchema("db", "t", List.of(ID, V), List.of(primary), "CREATE TABLE ...");
    return new MigrationPlan(TableNames.of("db", "t"), "ADD COLUMN c INT", original, original, primary, primary,
        List.of(new KeyColumn(ID, ID)),
        List.of(new ColumnPair("id", "id"), new ColumnPair("v", "v")),
        List.of(), List.of(), Map.of(), 10);
  }

  private static Bytes bytes(String text) {
    return new Bytes(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static final KeyTuple FROM = new KeyTuple(List.of(1L, bytes("abc")));
  private static final KeyTuple TO = new KeyTuple(List.of(7L, bytes("xyz")));

  private static final String ORIGINAL_CODE = "CONVERT(? USING latin1) COLLATE latin1_swedish_ci";
  private static final String GHOST_CODE_PLACEHOLDER =
      "CONVERT(CONVERT(? USING latin1) USING utf8mb4) COLLATE utf8mb4_bin";

  @Test
  void rangesOverAnEnumKeyListTheMemberNumbersSoTheIndexIsUsed() {
    ColumnInfo kind = new ColumnInfo("kind", 0, "enum", "enum('x','y','z')", "utf8mb4", "utf8mb4_general_ci", false,
        false);
    ColumnInfo n = new ColumnInfo("n", 1, "int", "int(11)", null, null, false, false);
    UniqueKey primary = new UniqueKey("PRIMARY", List.of("kind", "n"));
    TableSchema schema = new TableSchema("db", "t", List.of(kind, n), List.of(primary), "CREATE TABLE ...");
    SqlBuilder sql = new SqlBuilder(new MigrationPlan(TableNames.of("db", "t"), "FORCE", schema, schema, primary, primary,
        List.of(new KeyColumn(kind, kind), new KeyColumn(n, n)),
        List.of(new ColumnPair("kind", "kind"), new ColumnPair("n", "n")), List.of(), List.of(), Map.of(), 10), MARIADB);

    BoundStatement copy = sql.copyChunk(new KeyTuple(List.of(1L, 40L)), false, new KeyTuple(List.of(3L, 7L)));
    // kind is numbered 0 (the empty error member) to 3; only n is bound.
    assertThat(copy.sql()).contains("WHERE ((`kind` IN (2, 3)) OR (`kind` = ? AND `n` > ?))"
        + " AND ((`kind` IN (0, 1, 2)) OR (`kind` = ? AND `n` <= ?))");
    assertThat(copy.bindings()).extracting(Binding::value).containsExactly(1L, 40L, 3L, 7L);
    assertThat(sql.copyChunk(new KeyTuple(List.of(3L, 1L)), false, new KeyTuple(List.of(3L, 9L))).sql())
        .as("no member after the last").contains("(FALSE) OR (`kind` = ? AND `n` > ?)");
    assertThat(sql.verifyChunkEnd(new KeyTuple(List.of(3L, 1L)), 100).sql())
        .as("qualified, but not the constant").contains("(FALSE) OR (o.`kind` = ? AND o.`n` > ?)");
  }

  @Test
  void tableNamesFollowGhOstAndAreQuoted() {
    TableNames names = TableNames.of(DB, TABLE);
    assertThat(names.ghost()).isEqualTo("_or`ders_gho");
    assertThat(names.changelog()).isEqualTo("_or`ders_ghc");
    assertThat(names.old()).isEqualTo("_or`ders_del");
    assertThat(names.qualifiedOriginal()).isEqualTo(Q_ORIGINAL);
    assertThat(names.qualifiedGhost()).isEqualTo(Q_GHOST);
    assertThat(names.qualifiedChangelog()).isEqualTo(Q_CHANGELOG);
    assertThat(names.qualifiedOld()).isEqualTo(Q_OLD);
    assertThat(Identifiers.quote("a'b\"c;d")).isEqualTo("`a'b\"c;d`");
    assertThat(Identifiers.quote("``")).isEqualTo("``````");
  }

  @Test
  void ghostAndChangelogStatementsQuoteIdentifiers() {
    SqlBuilder sql = new SqlBuilder(compositePlan(), MARIADB);
    assertThat(sql.createGhost()).isEqualTo("CREATE TABLE " + Q_GHOST + " LIKE " + Q_ORIGINAL);
    assertThat(SqlBuilder.alterTable(Q_GHOST, "ADD COLUMN c INT"))
        .isEqualTo("ALTER TABLE " + Q_GHOST + " ADD COLUMN c INT");
    assertThat(SqlBuilder.dropTableIfExists(Q_GHOST)).isEqualTo("DROP TABLE IF EXISTS " + Q_GHOST);
    assertThat(sql.setGhostAutoIncrement(42)).isEqualTo("ALTER TABLE " + Q_GHOST + " AUTO_INCREMENT = 42");
    assertThat(sql.createChangelog()).startsWith("CREATE TABLE " + Q_CHANGELOG + " (");

    BoundStatement changelog = sql.writeChangelog("heartbeat", "2024-01-01");
    assertThat(changelog.sql()).isEqualTo("INSERT INTO " + Q_CHANGELOG + " (`hint`, `value`) VALUES (?, ?)"
        + " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)");
    assertThat(changelog.bindings()).extracting(Binding::column, Binding::value)
        .containsExactly(tuple(null, "heartbeat"), tuple(null, "2024-01-01"));
  }

  @Test
  void copyChunkOnCompositeKeyUsesExpandedRangePredicatesAndInsertIgnore() {
    BoundStatement copy = new SqlBuilder(compositePlan(), MARIADB).copyChunk(FROM, true, TO);
    assertThat(copy.sql()).isEqualTo(
        "INSERT IGNORE INTO " + Q_GHOST + " (`te``nant`, `co``de`, `note`, `new`)"
            + " SELECT `te``nant`, `co``de`, `note`, `old` FROM " + Q_ORIGINAL
            + " FORCE INDEX (`uk``tenant_code`)"
            + " WHERE ((`te``nant` > ?) OR (`te``nant` = ? AND `co``de` >= " + ORIGINAL_CODE + "))"
            + " AND ((`te``nant` < ?) OR (`te``nant` = ? AND `co``de` <= " + ORIGINAL_CODE + "))"
            + " LOCK IN SHARE MODE");
    assertThat(copy.bindings()).extracting(b -> b.column().original().name(), Binding::value, Binding::onGhost)
        .containsExactly(
            tuple("te`nant", 1L, false), tuple("te`nant", 1L, false), tuple("co`de", bytes("abc"), false),
            tuple("te`nant", 7L, false), tuple("te`nant", 7L, false), tuple("co`de", bytes("xyz"), false));
    assertThat(copy.sql()).doesNotContain("(`te``nant`, `co``de`) >");
    assertThat(placeholders(copy.sql())).isEqualTo(copy.bindings().size());
  }

  @Test
  void exclusiveLowerBoundIsStrictOnTheLastColumn() {
    BoundStatement copy = new SqlBuilder(compositePlan(), MARIADB).copyChunk(FROM, false, TO);
    assertThat(copy.sql()).contains(
        "WHERE ((`te``nant` > ?) OR (`te``nant` = ? AND `co``de` > " + ORIGINAL_CODE + "))");
  }

  @Test
  void chunkEndAndEdgeKeysSelectCanonicalKeyValuesInKeyOrder() {
    SqlBuilder sql = new SqlBuilder(compositePlan(), MARIADB);
    BoundStatement end = sql.chunkEnd(FROM, false, TO, 500);
    assertThat(end.sql()).isEqualTo(
        "SELECT `te``nant`, CAST(`co``de` AS BINARY) FROM " + Q_ORIGINAL + " FORCE INDEX (`uk``tenant_code`)"
            + " WHERE ((`te``nant` > ?) OR (`te``nant` = ? AND `co``de` > " + ORIGINAL_CODE + "))"
            + " AND ((`te``nant` < ?) OR (`te``nant` = ? AND `co``de` <= " + ORIGINAL_CODE + "))"
            + " ORDER BY `te``nant`, `co``de` LIMIT 1 OFFSET 499");
    assertThat(end.bindings()).extracting(Binding::value)
        .containsExactly(1L, 1L, bytes("abc"), 7L, 7L, bytes("xyz"));

    assertThat(sql.edgeKey(false)).isEqualTo("SELECT `te``nant`, CAST(`co``de` AS BINARY) FROM " + Q_ORIGINAL
        + " FORCE INDEX (`uk``tenant_code`) ORDER BY `te``nant`, `co``de` LIMIT 1");
    assertThat(sql.edgeKey(true)).isEqualTo("SELECT `te``nant`, CAST(`co``de` AS BINARY) FROM " + Q_ORIGINAL
        + " FORCE INDEX (`uk``tenant_code`) ORDER BY `te``nant` DESC, `co``de` DESC LIMIT 1");
  }

  @Test
  void missingFromGhostSelectsTheKeysOfChunkRowsTheGhostLacks() {
    BoundStatement missing = new SqlBuilder(compositePlan(), MARIADB).missingFromGhost(FROM, true, TO);
    assertThat(missing.sql()).isEqualTo(
        "SELECT `te``nant`, CAST(`co``de` AS BINARY) FROM " + Q_ORIGINAL + " o FORCE INDEX (`uk``tenant_code`)"
            + " WHERE ((o.`te``nant` > ?) OR (o.`te``nant` = ? AND o.`co``de` >= " + ORIGINAL_CODE + "))"
            + " AND ((o.`te``nant` < ?) OR (o.`te``nant` = ? AND o.`co``de` <= " + ORIGINAL_CODE + "))"
            + " AND NOT EXISTS (SELECT 1 FROM " + Q_GHOST + " g WHERE g.`te``nant` = o.`te``nant` AND g.`co``de` = o.`co``de`)");
    assertThat(missing.bindings()).extracting(Binding::value)
        .containsExactly(1L, 1L, bytes("abc"), 7L, 7L, bytes("xyz"));
  }

  @Test
  void resyncDeletesFromGhostByGhostColumnsAndConvertsTextKeysToTheGhostCharset() {
    SqlBuilder sql = new SqlBuilder(compositePlan(), MARIADB);
    BoundStatement delete = sql.deleteFromGhost(List.of(FROM, TO));
    assertThat(delete.sql()).isEqualTo("DELETE FROM " + Q_GHOST + " WHERE"
        + " (`te``nant` = ? AND `co``de` = " + GHOST_CODE_PLACEHOLDER + ")"
        + " OR (`te``nant` = ? AND `co``de` = " + GHOST_CODE_PLACEHOLDER + ")");
    assertThat(delete.bindings()).extracting(Binding::value, Binding::onGhost).containsExactly(
        tuple(1L, true), tuple(bytes("abc"), true), tuple(7L, true), tuple(bytes("xyz"), true));

    BoundStatement insert = sql.insertFromOriginal(List.of(FROM, TO));
    assertThat(insert.sql()).isEqualTo("INSERT INTO " + Q_GHOST + " (`te``nant`, `co``de`, `note`, `new`)"
        + " SELECT `te``nant`, `co``de`, `note`, `old` FROM " + Q_ORIGINAL + " FORCE INDEX (`uk``tenant_code`)"
        + " WHERE (`te``nant` = ? AND `co``de` = " + ORIGINAL_CODE + ")"
        + " OR (`te``nant` = ? AND `co``de` = " + ORIGINAL_CODE + ") LOCK IN SHARE MODE");
    assertThat(insert.bindings()).extracting(Binding::value, Binding::onGhost).containsExactly(
        tuple(1L, false), tuple(bytes("abc"), false), tuple(7L, false), tuple(bytes("xyz"), false));
  }

  @Test
  void sameCharsetTextKeyIsConvertedOnceAndCollated() {
    ColumnInfo name = new ColumnInfo("name", 0, "char", "char(5)", "utf8mb4", "utf8mb4_unicode_ci", false, false);
    KeyColumn key = new KeyColumn(name, name);
    assertThat(key.kind()).isEqualTo(KeyColumn.Kind.TEXT);
    assertThat(key.originalPlaceholder()).isEqualTo("CONVERT(? USING utf8mb4) COLLATE utf8mb4_unicode_ci");
    assertThat(key.ghostPlaceholder()).isEqualTo("CONVERT(? USING utf8mb4) COLLATE utf8mb4_unicode_ci");
    assertThat(key.boundarySelect()).isEqualTo("CAST(`name` AS BINARY)");
  }

  @Test
  void nonTextKeysUsePlainPlaceholders() {
    for (String type : List.of("int", "bigint", "decimal", "datetime", "date", "varbinary", "year")) {
      ColumnInfo column = new ColumnInfo("k", 0, type, type, null, null, false, false);
      KeyColumn key = new KeyColumn(column, column);
      assertThat(key.originalPlaceholder()).as(type).isEqualTo("?");
      assertThat(key.ghostPlaceholder()).as(type).isEqualTo("?");
      assertThat(key.boundarySelect()).as(type).isEqualTo("`k`");
    }
    ColumnInfo e = new ColumnInfo("e", 0, "enum", "enum('a','b')", "utf8mb4", "utf8mb4_general_ci", false, false);
    assertThat(new KeyColumn(e, e).boundarySelect()).isEqualTo("`e`+0");
  }

  @Test
  void singleColumnKeyUsesSimpleRangesAndInLists() {
    SqlBuilder sql = new SqlBuilder(singleKeyPlan(), MARIADB);
    KeyTuple one = new KeyTuple(List.of(1L));
    KeyTuple two = new KeyTuple(List.of(2L));
    KeyTuple three = new KeyTuple(List.of(3L));
    BoundStatement copy = sql.copyChunk(one, true, three);
    assertThat(copy.sql()).isEqualTo("INSERT IGNORE INTO `db`.`_t_gho` (`id`, `v`) SELECT `id`, `v` FROM `db`.`t`"
        + " FORCE INDEX (`PRIMARY`) WHERE (`id` >= ?) AND (`id` <= ?) LOCK IN SHARE MODE");
    assertThat(copy.bindings()).extracting(Binding::value).containsExactly(1L, 3L);

    BoundStatement delete = sql.deleteFromGhost(List.of(one, two, three));
    assertThat(delete.sql()).isEqualTo("DELETE FROM `db`.`_t_gho` WHERE `id` IN (?, ?, ?)");
    assertThat(delete.bindings()).extracting(Binding::value, Binding::onGhost)
        .containsExactly(tuple(1L, true), tuple(2L, true), tuple(3L, true));

    BoundStatement insert = sql.insertFromOriginal(List.of(two));
    assertThat(insert.sql()).isEqualTo("INSERT INTO `db`.`_t_gho` (`id`, `v`) SELECT `id`, `v` FROM `db`.`t`"
        + " FORCE INDEX (`PRIMARY`) WHERE `id` IN (?) LOCK IN SHARE MODE");
  }

  @Test
  void statementsThatDifferBetweenServersFollowTheServerKind() {
    SqlBuilder onMySql = new SqlBuilder(singleKeyPlan(), MYSQL);
    KeyTuple one = new KeyTuple(List.of(1L));
    assertThat(onMySql.copyChunk(one, true, one).sql()).endsWith("(`id` <= ?) FOR SHARE");
    assertThat(onMySql.insertFromOriginal(List.of(one)).sql()).endsWith("`id` IN (?) FOR SHARE");
    assertThat(onMySql.copyRange(one, true, one).sql()).endsWith(" FOR SHARE").doesNotContain("LOCK IN SHARE MODE");
    assertThat(new SqlBuilder(singleKeyPlan(), MARIADB).copyRange(one, true, one).sql()).endsWith(" LOCK IN SHARE MODE");
    // MySQL 8.0.0 had neither FOR SHARE nor SHOW BINARY LOG STATUS.
    assertThat(new SqlBuilder(singleKeyPlan(), ServerKind.parse("8.0.0")).copyChunk(one, true, one).sql())
        .endsWith(" LOCK IN SHARE MODE");
    assertThat(SqlBuilder.binlogStatus(MYSQL)).isEqualTo("SHOW BINARY LOG STATUS");
    assertThat(SqlBuilder.binlogStatus(ServerKind.parse("8.0.36-log"))).isEqualTo("SHOW MASTER STATUS");
    assertThat(SqlBuilder.binlogStatus(MARIADB)).isEqualTo("SHOW MASTER STATUS");
    assertThat(SqlBuilder.binlogStatus(ServerKind.parse("11.8.9-MariaDB-0+deb13u1"))).isEqualTo("SHOW MASTER STATUS");
    assertThat(onMySql.lockBothForSwap()).isEqualTo("LOCK TABLES `db`.`t` WRITE, `db`.`_t_gho` WRITE");
  }

  @Test
  void checksumsAreSummedUpByTheServerOneRowPerChunk() {
    SqlBuilder sql = new SqlBuilder(singleKeyPlan(), MYSQL);
    String row = SqlBuilder.rowChecksum(List.of("o.`v`", "o.`w`+0", "o.`x`"), List.of(false, true, true));
    assertThat(row).as("joined by a binary separator (bytes without conversion), then which nullable terms are NULL")
        .isEqualTo("CRC32(CONCAT_WS(x'1f', o.`v`, o.`w`+0, o.`x`, CONCAT(ISNULL(o.`w`+0), ISNULL(o.`x`))))");
    assertThat(SqlBuilder.rowChecksum(List.of("g.`v`"), List.of(true))).isEqualTo("CRC32(CONCAT_WS(x'1f', g.`v`, ISNULL(g.`v`)))");
    assertThat(SqlBuilder.rowChecksum(List.of(), List.of())).as("nothing to compare: rows are still counted").isEqualTo("CRC32('')");
    assertThatThrownBy(() -> SqlBuilder.rowChecksum(List.of("o.`v`"), List.of()))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(sql.checksumOriginalRange(null, new KeyTuple(List.of(500L)), row).sql())
        .isEqualTo("SELECT COUNT(*), COALESCE(BIT_XOR(h), 0), COALESCE(SUM(h * h), 0) FROM (SELECT " + row + " AS h FROM "
            + "`db`.`t` o FORCE INDEX (`PRIMARY`) WHERE (o.`id` <= ?) LIMIT 18446744073709551615) AS rows_checked")
        .doesNotContain("SHA2(").doesNotContain("MD5(");
    assertThat(sql.checksumGhostRange(new KeyTuple(List.of(500L)), false, null, "CRC32('')").sql())
        .contains(" FROM `db`.`_t_gho` g WHERE (g.`id` > ?) LIMIT ");
    assertThat(sql.verifyChunkEnd(null, 500).sql())
        .as("the chunk's last key and whether a row follows, found on the index before its rows are summed up")
        .startsWith("SELECT `id` FROM `db`.`t` o").endsWith(" WHERE TRUE ORDER BY `id` LIMIT 2 OFFSET 499");
  }

  @Test
  void whereTransmogHashesTheRowsTheServerSendsTheirBytes() {
    SqlBuilder sql = new SqlBuilder(singleKeyPlan(), MYSQL);
    assertThat(sql.server()).isEqualTo(MYSQL);
    assertThat(sql.valuesOfOriginalChunk(null, 500, List.of("o.`v`", "o.`w`+0")).sql())
        .as("the values as they are (the verifier's connection gets them unconverted), then the key")
        .startsWith("SELECT o.`v`, o.`w`+0, `id` FROM ")
        .doesNotContain("SHA2(").doesNotContain("CRC32(").doesNotContain("AS BINARY")
        .as("the chunk and one row more, in key order, to tell whether another chunk follows")
        .endsWith(" WHERE TRUE ORDER BY `id` LIMIT 501");
    assertThat(sql.valuesOfOriginalChunk(null, 500, List.of()).sql()).as("nothing to compare: rows are still counted")
        .startsWith("SELECT 1, `id` FROM ");
    assertThat(sql.valuesOfGhostRange(new KeyTuple(List.of(500L)), false, null, List.of("g.`v`")).sql())
        .isEqualTo("SELECT g.`v` FROM `db`.`_t_gho` g WHERE (g.`id` > ?)");
  }

  @Test
  void threeColumnKeyExpandsEveryPrefix() {
    ColumnInfo a = new ColumnInfo("a", 0, "int", "int", null, null, false, false);
    ColumnInfo b = new ColumnInfo("b", 1, "int", "int", null, null, false, false);
    ColumnInfo c = new ColumnInfo("c", 2, "int", "int", null, null, false, false);
    UniqueKey key = new UniqueKey("PRIMARY", List.of("a", "b", "c"));
    TableSchema schema = new TableSchema("d", "t", List.of(a, b, c), List.of(key), "");
    MigrationPlan plan = new MigrationPlan(TableNames.of("d", "t"), "FORCE", schema, schema, key, key,
        List.of(new KeyColumn(a, a), new KeyColumn(b, b), new KeyColumn(c, c)),
        List.of(new ColumnPair("a", "a"), new ColumnPair("b", "b"), new ColumnPair("c", "c")),
        List.of(), List.of(), Map.of(), 0);
    BoundStatement copy = new SqlBuilder(plan, MARIADB).copyChunk(
        new KeyTuple(List.of(1L, 2L, 3L)), false, new KeyTuple(List.of(4L, 5L, 6L)));
    assertThat(copy.sql()).contains(
        "WHERE ((`a` > ?) OR (`a` = ? AND `b` > ?) OR (`a` = ? AND `b` = ? AND `c` > ?))"
            + " AND ((`a` < ?) OR (`a` = ? AND `b` < ?) OR (`a` = ? AND `b` = ? AND `c` <= ?))");
    assertThat(copy.bindings()).extracting(Binding::value)
        .containsExactly(1L, 1L, 2L, 1L, 2L, 3L, 4L, 4L, 5L, 4L, 5L, 6L);
  }

  @Test
  void cutOverStatementsQuoteAllTables() {
    SqlBuilder sql = new SqlBuilder(compositePlan(), MARIADB);
    assertThat(TableNames.of(DB, TABLE).sentry()).isEqualTo("or`ders$del");
    assertThat(sql.createSentry()).startsWith("CREATE TABLE " + Q_SENTRY + " (")
        .contains("COMMENT='" + SqlBuilder.SENTRY_COMMENT + "'");
    assertThat(sql.lockForCutOver()).isEqualTo("LOCK TABLES " + Q_ORIGINAL + " READ, " + Q_SENTRY + " WRITE");
    // One statement, so both renames happen atomically; it targets the sentry's name, so it
    // cannot succeed while the sentry exists.
    assertThat(sql.swapTables()).isEqualTo(
        "RENAME TABLE " + Q_ORIGINAL + " TO " + Q_SENTRY + ", " + Q_GHOST + " TO " + Q_ORIGINAL);
    assertThat(SqlBuilder.renameSwappedToOld(TableNames.of(DB, TABLE))).isEqualTo("RENAME TABLE " + Q_SENTRY + " TO " + Q_OLD);
  }

  @Test
  void noStatementContainsAnUnquotedIdentifier() {
    SqlBuilder sql = new SqlBuilder(compositePlan(), MARIADB);
    List<String> statements = List.of(sql.createGhost(), sql.createChangelog(), sql.createSentry(),
        sql.swapTables(), SqlBuilder.renameSwappedToOld(TableNames.of(DB, TABLE)), sql.lockForCutOver(), sql.edgeKey(true),
        sql.setGhostAutoIncrement(1),
        sql.copyChunk(FROM, true, TO).sql(), sql.chunkEnd(FROM, true, TO, 10).sql(),
        sql.missingFromGhost(FROM, true, TO).sql(),
        sql.deleteFromGhost(List.of(FROM)).sql(), sql.insertFromOriginal(List.of(FROM)).sql(),
        sql.writeChangelog("h", "v").sql());
    for (String statement : statements) {
      // Outside backticks and string literals, no backtick may remain: every name is quoted
      // with its backticks doubled.
      assertThat(outsideQuotes(statement)).as(statement)
          .doesNotContain("`").doesNotContain("nant").doesNotContain("ders");
    }
  }

  /** The statement with every `...` identifier and '...' literal removed. */
  private static String outsideQuotes(String sql) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '`' || c == '\'') {
        int j = i + 1;
        while (true) {
          if (j >= sql.length()) {
            return out.append("<unterminated ").append(c).append('>').toString();
          }
          if (sql.charAt(j) == c) {
            if (j + 1 < sql.length() && sql.charAt(j + 1) == c) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        out.append(' ');
        i = j + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static int placeholders(String sql) {
    return (int) outsideQuotes(sql).chars().filter(ch -> ch == '?').count();
  }
}
