package io.transmog.engine.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.transmog.engine.MigrationException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class AlterClausesTest {

  // ---- accepted ----

  @ParameterizedTest
  @ValueSource(strings = {
      "ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''",
      "add column c int",
      "ADD COLUMN c INT AFTER id, ADD COLUMN d INT FIRST",
      "ADD COLUMN (a INT, b INT)",
      "DROP COLUMN legacy",
      "DROP legacy",
      "MODIFY COLUMN v VARCHAR(255) NOT NULL",
      "MODIFY v BIGINT UNSIGNED",
      "ALTER COLUMN v SET DEFAULT 'x'",
      "ALTER COLUMN v DROP DEFAULT",
      "CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
      "DEFAULT CHARSET = utf8mb4",
      "CHARACTER SET latin1",
      "ADD INDEX idx_v (v)",
      "ADD KEY (v(10), id)",
      "DROP INDEX idx_v",
      "DROP KEY idx_v",
      "ADD UNIQUE KEY uk_email (email)",
      "ADD UNIQUE INDEX (email), ADD UNIQUE (other)",
      "ADD CONSTRAINT uk UNIQUE (email)",
      "DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)",
      "RENAME INDEX a TO b",
      "RENAME KEY a TO b",
      "ENGINE = InnoDB",
      "ROW_FORMAT=DYNAMIC, COMMENT = 'new comment'",
      "FORCE",
      "AUTO_INCREMENT = 1000",
      "ADD COLUMN total DECIMAL(10,2) AS (price * qty) VIRTUAL",
      "ADD COLUMN `foreign` INT, ADD COLUMN `references` INT, ADD COLUMN foreign_id INT",
      "ADD COLUMN `rename` INT",
      "ADD COLUMN `alter table` INT",
      "ADD COLUMN c INT DEFAULT -1",
      "ADD COLUMN c INT DEFAULT 1--1",
  })
  void acceptsOrdinaryAlterClauses(String alter) {
    AlterClauses parsed = AlterClauses.parse(alter);
    assertThat(parsed.text()).isEqualTo(alter);
    assertThat(parsed.renamedColumns()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ADD COLUMN c VARCHAR(10) NOT NULL DEFAULT 'a;b'",
      "ADD COLUMN c VARCHAR(10) NOT NULL DEFAULT 'x; DROP TABLE y'",
      "ADD COLUMN c VARCHAR(10) DEFAULT '-- not a comment'",
      "ADD COLUMN c VARCHAR(10) DEFAULT '# not a comment'",
      "ADD COLUMN c VARCHAR(10) DEFAULT '/* not a comment */'",
      "ADD COLUMN c VARCHAR(10) DEFAULT '/*! not executable */'",
      "ADD COLUMN c VARCHAR(10) COMMENT 'it''s fine'",
      "ADD COLUMN c VARCHAR(10) COMMENT 'it\\'s fine; really'",
      "ADD COLUMN c VARCHAR(10) COMMENT 'a backslash at the end \\\\'",
      "ADD COLUMN c VARCHAR(10) COMMENT 'say \"hi\"'",
      "ADD COLUMN c VARCHAR(10) COMMENT \"double 'quoted' ; -- text\"",
      "ADD COLUMN c VARCHAR(10) COMMENT \"doubled \"\" quote\"",
      "ADD COLUMN c VARCHAR(10) COMMENT 'a `backtick` inside'",
      "ADD COLUMN c VARCHAR(10) COMMENT 'unbalanced ( paren ))'",
      "ADD COLUMN `weird;name -- # /* */` INT",
      "ADD COLUMN `back``tick` INT",
      "ADD COLUMN `it's \"quoted\"` INT",
      "ADD COLUMN `(` INT",
  })
  void acceptsSpecialCharactersInsideQuotedText(String alter) {
    assertThat(AlterClauses.parse(alter).text()).isEqualTo(alter);
  }

  @Test
  void textIsStrippedOfSurroundingWhitespace() {
    assertThat(AlterClauses.parse("  \n ADD COLUMN c INT \t\n").text()).isEqualTo("ADD COLUMN c INT");
  }

  @Test
  void detectsChangeColumnRenames() {
    assertThat(AlterClauses.parse("CHANGE COLUMN v w VARCHAR(10)").renamedColumns())
        .isEqualTo(Map.of("v", "w"));
    assertThat(AlterClauses.parse("CHANGE v w VARCHAR(10)").renamedColumns())
        .isEqualTo(Map.of("v", "w"));
    assertThat(AlterClauses.parse("change column OldName NewName INT").renamedColumns())
        .isEqualTo(Map.of("oldname", "NewName"));
    assertThat(AlterClauses.parse("CHANGE COLUMN IF EXISTS v w INT").renamedColumns())
        .isEqualTo(Map.of("v", "w"));
    assertThat(AlterClauses.parse("CHANGE COLUMN `old name` `new``name` INT").renamedColumns())
        .isEqualTo(Map.of("old name", "new`name"));
  }

  @Test
  void detectsDroppedColumnsButNotDroppedKeysOrConstraints() {
    assertThat(AlterClauses.parse("DROP COLUMN c1, ADD COLUMN c1 INT DEFAULT 47").droppedColumns())
        .containsExactly("c1");
    assertThat(AlterClauses.parse("drop Legacy, DROP COLUMN IF EXISTS `Other`, DROP `index`").droppedColumns())
        .containsExactlyInAnyOrder("legacy", "other", "index");
    assertThat(AlterClauses.parse("DROP INDEX i, DROP KEY k, DROP PRIMARY KEY, DROP CONSTRAINT c,"
        + " DROP CHECK ck, ALTER COLUMN v DROP DEFAULT").droppedColumns()).isEmpty();
  }

  @Test
  void changeColumnToTheSameNameIsNotARename() {
    assertThat(AlterClauses.parse("CHANGE COLUMN v v BIGINT").renamedColumns()).isEmpty();
    assertThat(AlterClauses.parse("CHANGE v V BIGINT").renamedColumns()).isEmpty();
    assertThat(AlterClauses.parse("CHANGE `v` v BIGINT").renamedColumns()).isEmpty();
  }

  @Test
  void detectsRenameColumn() {
    assertThat(AlterClauses.parse("RENAME COLUMN v TO w").renamedColumns())
        .isEqualTo(Map.of("v", "w"));
    assertThat(AlterClauses.parse("rename column `a b` to `c'd`").renamedColumns())
        .isEqualTo(Map.of("a b", "c'd"));
  }

  @Test
  void detectsRenameColumnIfExists() {
    // MariaDB: RENAME COLUMN [IF EXISTS] old TO new
    assertThat(AlterClauses.parse("RENAME COLUMN IF EXISTS v TO w").renamedColumns())
        .isEqualTo(Map.of("v", "w"));
  }

  @Test
  void detectsSeveralRenamesAmongOtherClauses() {
    AlterClauses parsed = AlterClauses.parse(
        "ADD COLUMN x INT, CHANGE a b INT NOT NULL, RENAME COLUMN c TO d, MODIFY e TEXT,"
            + " RENAME INDEX i TO j");
    assertThat(parsed.renamedColumns()).isEqualTo(Map.of("a", "b", "c", "d"));
  }

  @Test
  void detectsAutoIncrementClause() {
    assertThat(AlterClauses.parse("ADD COLUMN c INT, AUTO_INCREMENT = 50").setsAutoIncrement()).isTrue();
    assertThat(AlterClauses.parse("MODIFY id BIGINT NOT NULL AUTO_INCREMENT").setsAutoIncrement())
        .isFalse();
  }

  // ---- refused ----

  @ParameterizedTest
  @ValueSource(strings = {"RENAME TO x", "rename to x", "RENAME AS x", "RENAME x",
      "ADD COLUMN c INT, RENAME TO x", "RENAME TO other_db.x"})
  void refusesRenamingTheTable(String alter) {
    assertRefused(alter, "renames the table (RENAME TO)");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ADD COLUMN x INT; DROP TABLE y",
      "ADD COLUMN x INT;",
      "ADD COLUMN x INT ; SELECT 1",
      "ADD COLUMN x VARCHAR(3) DEFAULT 'a'; DROP TABLE y",
      "ADD COLUMN `x` INT;DROP TABLE y",
  })
  void refusesASecondStatement(String alter) {
    assertRefused(alter, "semicolon outside a string");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ADD COLUMN x INT /* harmless? */",
      "ADD COLUMN x INT /*! , DROP COLUMN y */",
      "ADD COLUMN x INT /*!50000 , DROP COLUMN y */",
      "ADD COLUMN x INT /*M! , DROP COLUMN y */",
      "/*!*/ADD COLUMN x INT",
      "ADD COLUMN x INT -- , DROP COLUMN y",
      "ADD COLUMN x INT --\t, DROP COLUMN y",
      "ADD COLUMN x INT --",
      "ADD COLUMN x INT --\n, DROP COLUMN y",
      "ADD COLUMN x INT # , DROP COLUMN y",
      "ADD COLUMN x INT#",
      "ADD COLUMN x INT DEFAULT 'a'/**/",
  })
  void refusesComments(String alter) {
    assertRefused(alter, "contains a comment");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ALTER TABLE t ADD COLUMN c INT", "alter table `t` add column c int",
      "ALTER TABLE db.t DROP COLUMN c"})
  void refusesAlterTablePrefix(String alter) {
    assertRefused(alter, "without \"ALTER TABLE <name>\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ADD COLUMN c INT, ALGORITHM=INPLACE", "ALGORITHM = INSTANT, ADD COLUMN c INT",
      "algorithm=copy"})
  void refusesAlgorithm(String alter) {
    assertRefused(alter, "sets ALGORITHM=");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ADD COLUMN c INT, LOCK=NONE", "LOCK = SHARED, ADD COLUMN c INT", "lock=exclusive"})
  void refusesLock(String alter) {
    assertRefused(alter, "sets LOCK=");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ADD CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent (id)",
      "ADD FOREIGN KEY (parent_id) REFERENCES parent (id)",
      "ADD COLUMN parent_id INT REFERENCES parent (id)",
      "ADD COLUMN c INT, add constraint fk foreign key (c) references p (id) on delete cascade",
  })
  void refusesForeignKeys(String alter) {
    assertRefused(alter, "foreign key");
  }

  @Test
  void refusesUnterminatedQuotes() {
    assertRefused("ADD COLUMN c VARCHAR(10) DEFAULT 'abc", "unterminated ' quote");
    assertRefused("ADD COLUMN c VARCHAR(10) DEFAULT 'abc\\'", "unterminated ' quote");
    assertRefused("ADD COLUMN c VARCHAR(10) DEFAULT \"abc", "unterminated \" quote");
    assertRefused("ADD COLUMN `c INT", "unterminated ` quote");
    assertRefused("ADD COLUMN `c`` INT", "unterminated ` quote");
  }

  @Test
  void refusesUnbalancedParentheses() {
    assertRefused("ADD COLUMN c VARCHAR(10", "unclosed parenthesis");
    assertRefused("ADD INDEX (a, (b)", "unclosed parenthesis");
    assertRefused("ADD COLUMN c INT)", "unbalanced closing parenthesis");
    assertRefused("ADD COLUMN c INT), DROP COLUMN d, (", "unbalanced closing parenthesis");
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   ", "\n\t"})
  void refusesEmpty(String alter) {
    assertRefused(alter, "the ALTER is empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ADD COLUMN a INT,", "ADD COLUMN a INT,, ADD COLUMN b INT", ", ADD COLUMN a INT"})
  void refusesEmptyClauses(String alter) {
    assertRefused(alter, "empty clause");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TRUNCATE PARTITION p0", "DISCARD TABLESPACE", "IMPORT TABLESPACE",
      "OPTIMIZE PARTITION p0", "REMOVE PARTITIONING", "ADD COLUMN c INT, EXCHANGE PARTITION p0 WITH TABLE t2"})
  void refusesMaintenanceClauses(String alter) {
    assertRefused(alter, "not a change of the table's definition");
  }

  @ParameterizedTest
  @ValueSource(strings = {"DROP PARTITION p0", "ADD PARTITION (PARTITION p9 VALUES LESS THAN (10))"})
  void refusesPartitionChanges(String alter) {
    assertRefused(alter, "partitions");
  }

  @Test
  void refusesControlCharacters() {
    assertRefused("ADD COLUMN c INT\u0000, DROP COLUMN d", "control character");
  }

  private static void assertRefused(String alter, String cause) {
    assertThatThrownBy(() -> AlterClauses.parse(alter))
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining(cause);
  }
}
