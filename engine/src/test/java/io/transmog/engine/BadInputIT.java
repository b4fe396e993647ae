package io.transmog.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.transmog.engine.cli.TransmogCli;
import io.transmog.testdb.MariaDbExtension;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.RequiresServer;
import io.transmog.testdb.ServerFlavor;
import io.transmog.testdb.ServerOptions;
import io.transmog.testdb.TableChecksum;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Bad input to {@code transmog migrate --execute}: every case must exit non-zero, name its cause
 * on stderr and leave the schema exactly as it was (same tables, definitions and contents; no
 * ghost, changelog or sentry table left behind).
 */
@ExtendWith(MariaDbExtension.class)
class BadInputIT {
  private static final String TABLE_DDL =
      "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL, n INT NULL)";
  private static final String ROWS = "INSERT INTO t VALUES (1, 'one', 1), (2, 'two', NULL), (3, 'three', 3)";

  private final MariaDbServer server;
  @TempDir Path temp;

  BadInputIT(MariaDbServer server) {
    this.server = server;
  }

  // ---- the table cannot be migrated ----

  @Test
  void tableWithoutPrimaryOrUniqueKey() {
    String db = database("nokey",
        "CREATE TABLE t (id INT NOT NULL, v VARCHAR(20), KEY (id))",
        "INSERT INTO t VALUES (1, 'a'), (1, 'a'), (2, 'b')");
    expectRefused(server, db, "t", "ADD COLUMN c INT", "has no usable unique key");
  }

  @Test
  void tableWhoseOnlyUniqueKeyIsNullable() {
    String db = database("nullable_uk",
        "CREATE TABLE t (id INT NULL, v VARCHAR(20), UNIQUE KEY uk_id (id))",
        "INSERT INTO t VALUES (1, 'a'), (NULL, 'b'), (NULL, 'c')");
    expectRefused(server, db, "t", "ADD COLUMN c INT", "has no usable unique key");
  }

  @Test
  void foreignKeyParent() {
    String db = database("fk_parent",
        "CREATE TABLE parent (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB",
        "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT,"
            + " CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
        "INSERT INTO parent VALUES (1, 'a'), (2, 'b')",
        "INSERT INTO child VALUES (10, 1), (20, 2)");
    Run run = expectRefused(server, db, "parent", "ADD COLUMN c INT", "parent table");
    assertThat(run.err()).contains("foreign key").contains("child");
  }

  @Test
  void foreignKeyChild() {
    String db = database("fk_child",
        "CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB",
        "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT,"
            + " CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
        "INSERT INTO parent VALUES (1), (2)",
        "INSERT INTO child VALUES (10, 1), (20, 2)");
    Run run = expectRefused(server, db, "child", "ADD COLUMN c INT", "child table");
    assertThat(run.err()).contains("fk_child_parent").contains("--discard-foreign-keys");
  }

  /** gh-ost's --discard-foreign-keys: a child table migrates without its foreign keys; a parent stays refused. */
  @Test
  void discardForeignKeysMigratesAChildTableWithoutThem() {
    String db = database("fk_discard",
        "CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB",
        "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT,"
            + " CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
        "INSERT INTO parent VALUES (1), (2)",
        "INSERT INTO child VALUES (10, 1), (20, 2)");
    expectRefused(server, db, "parent", "ADD COLUMN c INT", "parent table");
    Run parent = cli(server, db, "parent", "ADD COLUMN c INT", "--execute", "--discard-foreign-keys");
    assertThat(parent.exitCode()).isNotZero();
    assertThat(parent.err()).contains("parent table");

    Run child = cli(server, db, "child", "ADD COLUMN c INT", "--execute", "--discard-foreign-keys",
        "--panic-on-warnings", "--analyze-ghost-table-before-cutover");
    assertThat(child.exitCode()).as(child.toString()).isZero();
    assertThat(child.logs()).contains("--discard-foreign-keys: the migrated table will have none of the foreign keys fk_child_parent")
        .contains("analyzed _child_gho");
    assertThat(server.queryLong(db, "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS"
        + " WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'child'")).isZero();
    assertThat(server.queryLong(db, "SELECT COUNT(*) FROM child WHERE c IS NULL")).isEqualTo(2);
  }

  @Test
  void tableWithTrigger() {
    String db = database("trigger", TABLE_DDL, ROWS,
        "CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, t_id INT)",
        "CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW INSERT INTO audit (t_id) VALUES (NEW.id)");
    Run run = expectRefused(server, db, "t", "ADD COLUMN c INT", "has trigger `t_audit`");
    assertThat(run.err()).contains("only with --include-triggers");
  }

  @Test
  void tableThatDoesNotExist() {
    String db = database("missing", TABLE_DDL, ROWS);
    expectRefused(server, db, "nope", "ADD COLUMN c INT", "table `" + db + "`.`nope` does not exist");
  }

  @Test
  void viewInsteadOfTable() {
    String db = database("view", TABLE_DDL, ROWS, "CREATE VIEW vw AS SELECT id, v FROM t");
    expectRefused(server, db, "vw", "ADD COLUMN c INT", "is a VIEW, not a table");
  }

  @Test
  void leftoverGhostTableIsNotDroppedWithoutPermission() {
    String db = database("leftover", TABLE_DDL, ROWS,
        "CREATE TABLE _t_gho (id INT PRIMARY KEY, important VARCHAR(10))",
        "INSERT INTO _t_gho VALUES (1, 'keep me')");
    Snapshot before = snapshot(server, db);
    Run run = cli(server, db, "t", "ADD COLUMN c INT", "--execute");
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("`_t_gho` exists").contains("--initially-drop-ghost-table");
    assertThat(snapshot(server, db)).isEqualTo(before);
  }

  // ---- the ALTER is refused ----

  @ParameterizedTest
  @ValueSource(strings = {"RENAME TO t2", "RENAME AS t2", "ADD COLUMN c INT, RENAME TO t2"})
  void renameTable(String alter) {
    String db = database("rename", TABLE_DDL, ROWS);
    expectRefused(server, db, "t", alter, "renames the table (RENAME TO)");
    assertThat(tables(server, db)).doesNotContain("t2");
  }

  @Test
  void secondStatement() {
    String db = database("second_stmt", TABLE_DDL, ROWS, "CREATE TABLE y (id INT PRIMARY KEY)",
        "INSERT INTO y VALUES (42)");
    expectRefused(server, db, "t", "ADD COLUMN x INT; DROP TABLE y", "semicolon outside a string");
    assertThat(tables(server, db)).contains("y");
    assertThat(server.queryLong(db, "SELECT id FROM y")).isEqualTo(42);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ADD COLUMN x INT /*!, DROP COLUMN v */",
      "ADD COLUMN x INT -- , DROP COLUMN v",
      "ADD COLUMN x INT # , DROP COLUMN v",
      "ADD COLUMN x INT /* note */"})
  void comments(String alter) {
    String db = database("comment", TABLE_DDL, ROWS);
    expectRefused(server, db, "t", alter, "contains a comment");
  }

  @Test
  void alterTablePrefix() {
    String db = database("prefix", TABLE_DDL, ROWS);
    expectRefused(server, db, "t", "ALTER TABLE t ADD COLUMN c INT", "without \"ALTER TABLE <name>\"");
  }

  @Test
  void algorithmAndLockClauses() {
    String db = database("algo", TABLE_DDL, ROWS);
    expectRefused(server, db, "t", "ADD COLUMN c INT, ALGORITHM=INPLACE", "ALGORITHM=");
    expectRefused(server, db, "t", "ADD COLUMN c INT, LOCK=NONE", "LOCK=");
  }

  @Test
  void addingAForeignKey() {
    String db = database("add_fk", TABLE_DDL, ROWS, "CREATE TABLE p (id INT PRIMARY KEY)");
    expectRefused(server, db, "t",
        "ADD CONSTRAINT fk_n FOREIGN KEY (n) REFERENCES p (id)", "adds a foreign key");
  }

  @Test
  void emptyAlter() {
    String db = database("empty", TABLE_DDL, ROWS);
    expectRefused(server, db, "t", "  ", "the ALTER is empty");
  }

  @Test
  void unbalancedQuotesAndParentheses() {
    String db = database("unbalanced", TABLE_DDL, ROWS);
    expectRefused(server, db, "t", "ADD COLUMN c VARCHAR(10) DEFAULT 'x", "unterminated ' quote");
    expectRefused(server, db, "t", "ADD COLUMN c VARCHAR(10", "unclosed parenthesis");
  }

  @Test
  void invalidAlterSyntaxShowsTheServerError() {
    String db = database("syntax", TABLE_DDL, ROWS);
    Run run = expectRefused(server, db, "t", "ADD COLUMN c INT NOT NULL DEFAULT", "the ALTER is invalid");
    assertThat(run.err()).contains("You have an error in your SQL syntax");
    Run type = expectRefused(server, db, "t", "ADD COLUMN c INTEGRAL NOT NULL", "the ALTER is invalid");
    // MariaDB names the type ("Unknown data type 'INTEGRAL'"); MySQL reports a syntax error near it.
    assertThat(type.err()).contains(server.isMySql() ? "You have an error in your SQL syntax" : "Unknown data type")
        .contains("INTEGRAL");
    Run missing = expectRefused(server, db, "t", "DROP COLUMN nope", "the ALTER is invalid");
    assertThat(missing.err()).contains("nope");
  }

  @Test
  void droppingTheOnlyUniqueKey() {
    String db = database("drop_pk", TABLE_DDL, ROWS);
    Run run = expectRefused(server, db, "t", "DROP PRIMARY KEY", "share no unique key");
    assertThat(run.err()).contains("PRIMARY");
  }

  @Test
  void aKeyThatMayNotStayUniqueOnTheAlteredTableIsNoSharedKey() {
    String db = database("change_pk", TABLE_DDL, ROWS);
    Run notLeading = expectRefused(server, db, "t", "DROP PRIMARY KEY, ADD PRIMARY KEY (v, id)", "share no unique key");
    assertThat(notLeading.err()).contains("PRIMARY [id] is not unique on the altered table");
    Run retyped = expectRefused(server, db, "t", "MODIFY id BIGINT NOT NULL, DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)",
        "share no unique key");
    assertThat(retyped.err()).contains("PRIMARY [id] changes the type or collation of its columns");
  }

  @ParameterizedTest
  @ValueSource(strings = {"CHANGE COLUMN v w VARCHAR(20) NOT NULL", "RENAME COLUMN v TO w"})
  void renamingAColumnNeedsApproval(String alter) {
    String db = database("rename_col", TABLE_DDL, ROWS);
    Run run = expectRefused(server, db, "t", alter, "--approve-renamed-columns");
    assertThat(run.err()).contains("renames column(s) {v=w}");
  }

  // ---- names that try to break out of their quotes ----

  @ParameterizedTest
  @ValueSource(strings = {
      "t; DROP TABLE x",
      "t`; DROP TABLE x; --",
      "t` ; DROP TABLE `x",
      "x`.`t",
      "t'; DROP TABLE x; --",
      "t\"; DROP TABLE x; --",
      "`x`",
      "x` WRITE; DROP TABLE x; LOCK TABLES `t"})
  void injectionInTableName(String table) {
    String db = database("inject_table", TABLE_DDL, ROWS, "CREATE TABLE x (id INT PRIMARY KEY)",
        "INSERT INTO x VALUES (1)");
    expectRefused(server, db, table, "ADD COLUMN c INT", "does not exist");
    assertThat(tables(server, db)).containsExactlyInAnyOrder("t", "x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"%s; DROP TABLE x", "%s`; DROP TABLE x; --", "%s`.`x",
      "%s'; DROP TABLE x; --", "%s\" OR 1=1 --"})
  void injectionInDatabaseName(String pattern) {
    String db = database("inject_db", TABLE_DDL, ROWS, "CREATE TABLE x (id INT PRIMARY KEY)",
        "INSERT INTO x VALUES (1)");
    String evil = pattern.replace("%s", db);
    Snapshot before = snapshot(server, db);
    Run run = cli(server, evil, "t", "ADD COLUMN c INT", "--execute");
    assertThat(run.exitCode()).as(run.toString()).isNotZero();
    assertThat(run.err()).contains("does not exist");
    assertThat(snapshot(server, db)).isEqualTo(before);
    assertThat(tables(server, db)).containsExactlyInAnyOrder("t", "x");
  }

  @Test
  void controlCharactersInNames() {
    String db = database("control", TABLE_DDL, ROWS, "CREATE TABLE x (id INT PRIMARY KEY)");
    expectRefused(server, db, "t\nDROP TABLE x", "ADD COLUMN c INT", "control character");
    assertThat(tables(server, db)).contains("x");
  }

  // ---- the server or the login is unusable ----

  @Test
  void statementBasedBinlog() {
    try (MariaDbServer statementServer =
        MariaDbServer.start(ServerOptions.defaults().withBinlogFormat("STATEMENT"))) {
      String db = statementServer.createDatabase("stmt_binlog");
      statementServer.execute(db, TABLE_DDL, ROWS);
      Run run = expectRefused(statementServer, db, "t", "ADD COLUMN c INT", "binlog_format is STATEMENT, not ROW");
      assertThat(run.err()).contains("binlog_format = 'ROW'");
    }
  }

  @Test
  void wrongPasswordIsNeverEchoed() throws IOException {
    String db = database("wrong_pw", TABLE_DDL, ROWS);
    String wrong = "Wr0ng-Pa55w0rd-qz7x";
    Path file = temp.resolve("wrong-password");
    Files.writeString(file, wrong + "\n");
    Snapshot before = snapshot(server, db);

    Run run = cli(server, args(server, db, "t", "ADD COLUMN c INT", "--execute", "--password-file", file.toString()),
        false);
    assertThat(run.exitCode()).as(run.toString()).isNotZero();
    if (server.isMySql()) {
      // caching_sha2_password: a password that misses the server's cache (a wrong one always does) must travel
      // RSA-encrypted, which the driver refuses to arrange unless allowed to fetch the key: the advice says so.
      assertThat(run.err()).contains("RSA public key").contains("--allow-public-key-retrieval");
      assertThat(run.everything()).doesNotContain(wrong).doesNotContain(server.password());
      run = cli(server, args(server, db, "t", "ADD COLUMN c INT", "--execute", "--password-file", file.toString(),
          "--allow-public-key-retrieval"), false);
      assertThat(run.exitCode()).as(run.toString()).isNotZero();
    }
    assertThat(run.err()).contains("access denied for user '" + server.user() + "'");
    assertThat(run.everything()).doesNotContain(wrong).doesNotContain(server.password());

    // --password on the command line works, warns, and does not echo the value either.
    List<String> withPassword = new ArrayList<>(List.of("migrate", "--host", server.host(),
        "--port", String.valueOf(server.port()), "--user", server.user(), "--password", wrong,
        "--database", db, "--table", "t", "--alter", "ADD COLUMN c INT", "--execute"));
    if (server.isMySql()) {
      withPassword.add("--allow-public-key-retrieval");
    }
    Run inline = cli(server, withPassword, false);
    assertThat(inline.exitCode()).isNotZero();
    assertThat(inline.err()).contains("warning: --password is visible").contains("access denied");
    assertThat(inline.everything()).doesNotContain(wrong).doesNotContain(server.password());
    assertThat(snapshot(server, db)).isEqualTo(before);
  }

  @Test
  void missingPasswordFile() {
    String db = database("no_pw_file", TABLE_DDL, ROWS);
    Snapshot before = snapshot(server, db);
    Path missing = temp.resolve("does-not-exist");
    Run run = cli(server, args(server, db, "t", "ADD COLUMN c INT", "--execute", "--password-file",
        missing.toString()), false);
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("cannot read --password-file " + missing);
    assertThat(snapshot(server, db)).isEqualTo(before);
  }

  @Test
  void unreachableHost() {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long started = System.nanoTime();
    List<String> args = new ArrayList<>(args(server, "anydb", "t", "ADD COLUMN c INT", "--execute"));
    args.set(args.indexOf("--port") + 1, String.valueOf(closedPort));
    Run run = cli(server, args, true);
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("cannot connect to MySQL at 127.0.0.1:" + closedPort);
    assertThat((System.nanoTime() - started) / 1_000_000_000L).as("seconds to give up").isLessThan(30);
  }

  // ---- the command line ----

  @ParameterizedTest
  @ValueSource(strings = {"--allow-on-master", "--assume-master-host=10.0.0.1", "--switch-to-rbr"})
  void unsupportedGhOstFlag(String flag) {
    String db = database("flag", TABLE_DDL, ROWS);
    Snapshot before = snapshot(server, db);
    Run run = cli(server, db, "t", "ADD COLUMN c INT", "--execute", flag);
    assertThat(run.exitCode()).isNotZero();
    String name = flag.contains("=") ? flag.substring(0, flag.indexOf('=')) : flag;
    assertThat(run.err()).contains("unsupported option " + name);
    assertThat(snapshot(server, db)).isEqualTo(before);
  }

  @Test
  void missingRequiredOption() {
    Run run = cli(server, List.of("migrate", "--host", server.host(), "--table", "t", "--alter", "ADD c INT"),
        true);
    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("--database");
  }

  // ---- failures after the ghost table exists ----
  // The mapping check refuses these ALTERs earlier when its sample holds an offending row (MappingCheckIT); it is
  // skipped here to reach the copy, whose own guard must hold for rows outside any sample.

  @Test
  void uniqueKeyOverDuplicateValuesFailsAndDropsTheGhost() {
    String db = database("dup_unique",
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, s VARCHAR(40) NOT NULL)");
    fill(db, 5000);
    // v is unique except for one late row, so the duplicate shows up only in the last chunk.
    server.execute(db, "UPDATE t SET v = 17 WHERE id = 4990");
    Snapshot before = snapshot(server, db);

    Run run = cli(server, db, "t", "ADD UNIQUE KEY uk_v (v)", "--execute", "--chunk-size", "500",
        "--skip-mapping-check");
    assertThat(run.exitCode()).as(run.toString()).isNotZero();
    assertThat(run.err()).contains("uk_v").containsIgnoringCase("duplicate");
    assertThat(run.err()).contains("ghost and changelog tables dropped, original untouched");
    assertThat(tables(server, db)).containsExactly("t");
    assertThat(snapshot(server, db)).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"MODIFY n INT NOT NULL|'n'", "MODIFY v VARCHAR(3) NOT NULL|'v'",
      "MODIFY n TINYINT UNSIGNED|'n'"})
  void alterThatWouldChangeCopiedValuesFailsAndDropsTheGhost(String alterAndColumn) {
    String alter = alterAndColumn.substring(0, alterAndColumn.indexOf('|'));
    String column = alterAndColumn.substring(alterAndColumn.indexOf('|') + 1);
    // n is NULL in one row and 1000 in another; v is longer than 3 characters in one row.
    String db = database("lossy", TABLE_DDL, ROWS, "UPDATE t SET n = 1000 WHERE id = 3");
    Snapshot before = snapshot(server, db);
    Run run = cli(server, db, "t", alter, "--execute", "--skip-mapping-check");
    assertThat(run.exitCode()).as(run.toString()).isNotZero();
    assertThat(run.err()).contains("would change data").contains(column);
    assertThat(run.logs()).contains("column mapping check SKIPPED (--skip-mapping-check)");
    assertThat(run.err()).contains("ghost and changelog tables dropped, original untouched");
    assertThat(tables(server, db)).containsExactly("t");
    assertThat(snapshot(server, db)).isEqualTo(before);
  }

  // ---- tables whose definition cannot be checked on a temporary copy ----

  @Test
  void partitionedTableIsRefusedWithAClearMessage() {
    String db = database("partitioned",
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT) PARTITION BY HASH (id) PARTITIONS 4",
        "INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)");
    expectRefused(server, db, "t", "ADD COLUMN c INT", "partitioned tables and tables with FULLTEXT indexes");
  }

  @Test
  void fulltextTableIsRefusedWithAClearMessage() {
    String db = database("fulltext",
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, body TEXT, FULLTEXT KEY ft (body)) ENGINE=InnoDB",
        "INSERT INTO t VALUES (1, 'hello world')");
    expectRefused(server, db, "t", "ADD COLUMN c INT", "partitioned tables and tables with FULLTEXT indexes");
  }

  @Test
  @RequiresServer({ServerFlavor.MARIADB_10_11, ServerFlavor.MARIADB_11_8}) // system-versioned tables are MariaDB's
  void systemVersionedTableIsRefused() {
    String db = database("versioned",
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT) WITH SYSTEM VERSIONING",
        "INSERT INTO t VALUES (1, 1)");
    expectRefused(server, db, "t", "ADD COLUMN c INT", "SYSTEM VERSIONED");
  }

  @ParameterizedTest
  @ValueSource(strings = {"MyISAM", "Aria", "MEMORY"})
  void tableWithoutTransactionsIsRefused(String engine) {
    Assumptions.assumeTrue(!engine.equals("Aria") || server.isMariaDb(), "Aria is MariaDB's storage engine; MySQL has none");
    String db = database("engine_" + engine.toLowerCase(),
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT) ENGINE=" + engine,
        "INSERT INTO t VALUES (1, 1), (2, 2)");
    expectRefused(server, db, "t", "ADD COLUMN c INT", "uses the " + engine + " storage engine");
  }

  @Test
  void alterThatLeavesInnoDbIsRefused() {
    String db = database("to_myisam", "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB");
    expectRefused(server, db, "t", "ENGINE=MyISAM", "the altered table uses the MyISAM storage engine");
  }

  // ---- helpers ----

  private String database(String prefix, String... statements) {
    String db = server.createDatabase("bad_" + prefix);
    if (statements.length > 0) {
      server.execute(db, statements);
    }
    return db;
  }

  /** Inserts ids 1..rows with v = id and a text column. */
  private void fill(String db, int rows) {
    String digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4"
        + " UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
    server.execute(db, "INSERT INTO t (id, v, s) SELECT n, n, CONCAT('row ', n) FROM"
        + " (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n FROM " + digits + " a, " + digits + " b, "
        + digits + " c, " + digits + " e) seq WHERE n <= " + rows);
    assertThat(server.queryLong(db, "SELECT COUNT(*) FROM t")).isEqualTo(rows);
  }

  /** Runs the migration with --execute and checks that it fails naming the cause and changes nothing. */
  private Run expectRefused(MariaDbServer target, String db, String table, String alter, String cause) {
    Snapshot before = snapshot(target, db);
    Run run = cli(target, db, table, alter, "--execute");
    assertThat(run.exitCode()).as(run.toString()).isNotZero();
    assertThat(run.err()).as(run.toString()).contains(cause);
    assertThat(run.out()).as("no plan is printed for a refused migration").doesNotContain("ghost table:");
    assertThat(tables(target, db)).as("transmog's tables left behind")
        .noneMatch(name -> name.matches("_.*_(gho|ghc|del)|.*\\$del"));
    assertThat(snapshot(target, db)).isEqualTo(before);
    return run;
  }

  private Run cli(MariaDbServer target, String db, String table, String alter, String... extra) {
    return cli(target, args(target, db, table, alter, extra), true);
  }

  private List<String> args(MariaDbServer target, String db, String table, String alter, String... extra) {
    List<String> args = new ArrayList<>(List.of("migrate",
        "--host", target.host(), "--port", String.valueOf(target.port()), "--user", target.user(),
        "--database", db, "--table", table, "--alter", alter));
    args.addAll(Arrays.asList(extra));
    return args;
  }

  /** Runs the CLI in-process; stdout/stderr of the command and of the JVM (logs) are captured. */
  private Run cli(MariaDbServer target, List<String> args, boolean withPasswordFile) {
    List<String> all = new ArrayList<>(args);
    if (withPasswordFile) {
      Path file = temp.resolve("password-" + target.port());
      try {
        Files.writeString(file, target.password() + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      all.add("--password-file");
      all.add(file.toString());
    }
    return Run.of(all);
  }

  record Run(int exitCode, String out, String err, String logs) {
    static Run of(List<String> args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      ByteArrayOutputStream logs = new ByteArrayOutputStream();
      PrintStream originalOut = System.out;
      PrintStream originalErr = System.err;
      System.setOut(new PrintStream(new Tee(originalOut, logs), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new Tee(originalErr, logs), true, StandardCharsets.UTF_8));
      int code;
      try {
        // Built after System.out/err are replaced: picocli's default execution strategy remembers
        // the System streams of its construction and, if they changed, overrides setOut/setErr.
        CommandLine commandLine = TransmogCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        code = commandLine.execute(args.toArray(String[]::new));
      } finally {
        System.setOut(originalOut);
        System.setErr(originalErr);
      }
      return new Run(code, out.toString(), err.toString(), logs.toString(StandardCharsets.UTF_8));
    }

    String everything() {
      return out + "\n" + err + "\n" + logs;
    }
  }

  /** Writes to the real stream (visible in the test report) and to a capture buffer. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int value) throws IOException {
      a.write(value);
      b.write(value);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
      a.write(bytes, offset, length);
      b.write(bytes, offset, length);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }

  /** Every table of the schema with its definition and content. */
  record Snapshot(Map<String, String> definitions, Map<String, TableChecksum> contents) {
  }

  static Snapshot snapshot(MariaDbServer target, String db) {
    Map<String, String> definitions = new TreeMap<>();
    Map<String, TableChecksum> contents = new TreeMap<>();
    // No default schema: the name may hold characters a JDBC URL cannot carry.
    try (Connection c = target.connect(null)) {
      for (String table : tables(c, db)) {
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + quote(db) + "." + quote(table))) {
          rs.next();
          definitions.put(table, rs.getString(2));
        }
        if (!isView(c, db, table)) {
          contents.put(table, TableChecksum.of(c, db, table));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new Snapshot(definitions, contents);
  }

  static List<String> tables(MariaDbServer target, String db) {
    try (Connection c = target.connect(null)) {
      return tables(c, db);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> tables(Connection c, String db) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name")) {
      ps.setString(1, db);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  private static boolean isView(Connection c, String db, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
      ps.setString(1, db);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && "VIEW".equals(rs.getString(1));
      }
    }
  }

  static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
