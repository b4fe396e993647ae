package io.transmog.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.transmog.engine.BadInputIT.Run;
import io.transmog.engine.BadInputIT.Snapshot;
import io.transmog.testdb.MariaDbExtension;
import io.transmog.testdb.MariaDbServer;
import io.transmog.testdb.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A dry run (no --execute) validates and prints the plan, and writes nothing at all. */
@ExtendWith(MariaDbExtension.class)
class DryRunIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALTER = "ADD COLUMN nickname VARCHAR(64) NOT NULL DEFAULT ''";
  private static final int ROWS = 300;

  private final MariaDbServer server;
  @TempDir Path temp;

  DryRunIT(MariaDbServer server) {
    this.server = server;
  }

  @Test
  void dryRunPrintsThePlanAndChangesNothing() throws Exception {
    String db = customers("dry_plan");
    Snapshot before = BadInputIT.snapshot(server, db);
    BinlogPosition position = binlogPosition();

    Run run = cli(db, "customers", ALTER);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).contains("Validated: dry run passed; nothing was changed");
    assertThat(run.out())
        .contains("table:            `" + db + "`.`customers`")
        .contains("alter:            " + ALTER)
        .contains("chunking key:     PRIMARY (`id`)")
        .contains("columns added:    nickname")
        .contains("ghost table:      `" + db + "`.`_customers_gho`")
        .contains("CREATE TABLE `_customers_gho`")
        .contains("`nickname` varchar(64) NOT NULL DEFAULT ''")
        .doesNotContain("TEMPORARY");
    long estimated = estimatedRows(run.out());
    assertThat(estimated).as("estimated rows (from table statistics)").isBetween(1L, ROWS * 2L);

    assertNothingChanged(db, before, position);
  }

  @Test
  void binlogPositionDoesNotMoveOnAServerNobodyElseWrites() throws Exception {
    try (MariaDbServer quiet = MariaDbServer.start(ServerOptions.defaults())) {
      String db = customers(quiet, "dry_quiet");
      BinlogPosition position = binlogPosition(quiet);
      String gtid = gtidBinlogPos(quiet);

      Run plain = cli(quiet, db, "customers", ALTER);
      Run json = cli(quiet, db, "customers", ALTER, "--status-json", "--exact-rowcount");
      Run renamed = cli(quiet, db, "customers", "CHANGE name full_name VARCHAR(40) NOT NULL",
          "--approve-renamed-columns");

      assertThat(List.of(plain.exitCode(), json.exitCode(), renamed.exitCode())).containsOnly(0);
      assertThat(binlogPosition(quiet)).isEqualTo(position);
      assertThat(gtidBinlogPos(quiet)).isEqualTo(gtid);
    }
  }

  @Test
  void exactRowCountIsExact() throws Exception {
    String db = customers("dry_exact");
    Snapshot before = BadInputIT.snapshot(server, db);
    BinlogPosition position = binlogPosition();

    Run run = cli(db, "customers", ALTER, "--exact-rowcount");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(estimatedRows(run.out())).isEqualTo(ROWS);
    assertNothingChanged(db, before, position);
  }

  @Test
  void statusJsonPrintsOneObjectPerLineEndingInValidated() throws Exception {
    String db = customers("dry_json");
    Snapshot before = BadInputIT.snapshot(server, db);
    BinlogPosition position = binlogPosition();

    Run run = cli(db, "customers", ALTER, "--status-json", "--exact-rowcount");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<String> lines = run.out().lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    List<JsonNode> statuses = new ArrayList<>();
    for (String line : lines) {
      JsonNode node = JSON.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      for (String field : List.of("phase", "rowsCopied", "rowsEstimated", "percent", "etaSeconds",
          "eventsApplied", "lagMillis", "throttled", "throttleReason")) {
        assertThat(node.has(field)).as(field + " in " + line).isTrue();
      }
      statuses.add(node);
    }
    assertThat(statuses.get(0).get("phase").asText()).isEqualTo("Validating");
    JsonNode last = statuses.get(statuses.size() - 1);
    assertThat(last.get("phase").asText()).isEqualTo("Validated");
    assertThat(last.get("rowsEstimated").asLong()).isEqualTo(ROWS);
    assertThat(last.get("rowsCopied").asLong()).isZero();
    assertThat(last.get("throttled").asBoolean()).isFalse();
    assertNothingChanged(db, before, position);
  }

  @Test
  void namesWithBackticksAndQuotesAreQuotedEverywhere() throws Exception {
    String db = "dry`we'ird\"db " + System.nanoTime() % 100_000 + "x";
    String table = "or`d'e\"r s";
    server.execute(null, "CREATE DATABASE " + quote(db));
    try {
      String qualified = quote(db) + "." + quote(table);
      server.execute(null,
          "CREATE TABLE " + qualified + " (`i``d` INT NOT NULL PRIMARY KEY, `v'al` VARCHAR(10) NOT NULL)",
          "INSERT INTO " + qualified + " VALUES (1, 'a'), (2, 'b')",
          "CREATE TABLE " + quote(db) + ".x (id INT PRIMARY KEY)");
      Snapshot before = BadInputIT.snapshot(server, db);
      BinlogPosition position = binlogPosition();

      Run run = cli(db, table, "ADD COLUMN `n``ew` INT NOT NULL DEFAULT 0, MODIFY `v'al` VARCHAR(20) NOT NULL");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.out())
          .contains("table:            " + quote(db) + "." + quote(table))
          .contains("chunking key:     PRIMARY (`i``d`)")
          .contains("columns added:    n`ew")
          // MySQL 8+ shows no display width: int, not int(11).
          .containsPattern("`n``ew` int(\\(11\\))? NOT NULL DEFAULT (0|'0')")
          .contains("`v'al` varchar(20) NOT NULL");
      assertNothingChanged(db, before, position);
      assertThat(BadInputIT.tables(server, db)).containsExactlyInAnyOrder(table, "x");
    } finally {
      server.execute(null, "DROP DATABASE IF EXISTS " + quote(db));
    }
  }

  @Test
  void approvedColumnRenamesAreMappedInThePlan() throws Exception {
    List<String> alters = new java.util.ArrayList<>(List.of("CHANGE COLUMN name full_name VARCHAR(40) NOT NULL",
        "RENAME COLUMN name TO full_name"));
    if (server.isMariaDb()) {
      alters.add("RENAME COLUMN IF EXISTS name TO full_name"); // MariaDB syntax; MySQL has no IF EXISTS here
    }
    for (String alter : alters) {
      String db = customers("dry_rename");
      Snapshot before = BadInputIT.snapshot(server, db);
      BinlogPosition position = binlogPosition();

      Run run = cli(db, "customers", alter, "--approve-renamed-columns");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      assertThat(run.out()).as(alter)
          .contains("column renamed:   name -> full_name")
          .contains("columns copied:   3")
          .doesNotContain("columns added")
          .doesNotContain("columns dropped");
      assertNothingChanged(db, before, position);
    }
  }

  @Test
  void passwordFileKeepsSpacesAndDropsOnlyTheLineEnd() throws Exception {
    String db = customers("dry_pw");
    String user = "spacey_" + System.nanoTime() % 1_000_000;
    String password = "  pass word\t ";
    server.execute(null, "CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'",
        "GRANT ALL PRIVILEGES ON " + quote(db) + ".* TO '" + user + "'@'%'");
    try {
      for (String lineEnd : List.of("", "\n", "\r\n")) {
        Path file = temp.resolve("spacey-password");
        Files.writeString(file, password + lineEnd);
        Run run = Run.of(withKeyRetrievalOnMySql(List.of("migrate", "--host", server.host(), "--port",
            String.valueOf(server.port()), "--user", user, "--password-file", file.toString(), "--database", db,
            "--table", "customers", "--alter", ALTER)));
        assertThat(run.exitCode()).as((lineEnd.isEmpty() ? "no line end" : "line end " + lineEnd.length()) + ": " + run)
            .isZero();
        assertThat(run.everything()).doesNotContain("pass word");
      }
      Path trimmed = temp.resolve("trimmed-password");
      Files.writeString(trimmed, password.strip());
      Run wrong = Run.of(withKeyRetrievalOnMySql(List.of("migrate", "--host", server.host(), "--port",
          String.valueOf(server.port()), "--user", user, "--password-file", trimmed.toString(), "--database", db,
          "--table", "customers", "--alter", ALTER)));
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.err()).contains("access denied");
    } finally {
      server.execute(null, "DROP USER '" + user + "'@'%'");
    }
  }

  // ---- helpers ----

  /** customers(id PK, name, email UNIQUE) with ROWS rows and fresh statistics. */
  private String customers(String prefix) {
    return customers(server, prefix);
  }

  private static String customers(MariaDbServer server, String prefix) {
    String db = server.createDatabase(prefix);
    String digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4"
        + " UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
    server.execute(db,
        "CREATE TABLE customers (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL,"
            + " email VARCHAR(80) NULL, UNIQUE KEY uk_email (email)) ENGINE=InnoDB",
        "INSERT INTO customers (name, email) SELECT CONCAT('customer ', n), CONCAT('c', n, '@example.com') FROM"
            + " (SELECT 1 + a.d + 10 * b.d + 100 * c.d AS n FROM " + digits + " a, " + digits + " b, "
            + digits + " c) seq WHERE n <= " + ROWS,
        "ANALYZE TABLE customers");
    assertThat(server.queryLong(db, "SELECT COUNT(*) FROM customers")).isEqualTo(ROWS);
    return db;
  }

  private Run cli(String db, String table, String alter, String... extra) throws IOException {
    return cli(server, db, table, alter, extra);
  }

  private Run cli(MariaDbServer server, String db, String table, String alter, String... extra)
      throws IOException {
    Path passwordFile = temp.resolve("password-" + server.port());
    Files.writeString(passwordFile, server.password());
    List<String> args = new ArrayList<>(List.of("migrate", "--host", server.host(),
        "--port", String.valueOf(server.port()), "--user", server.user(), "--password-file",
        passwordFile.toString(), "--database", db, "--table", table, "--alter", alter));
    args.addAll(Arrays.asList(extra));
    Run run = Run.of(args);
    assertThat(run.everything()).doesNotContain(server.password());
    return run;
  }

  private static long estimatedRows(String plan) {
    return plan.lines().filter(line -> line.startsWith("estimated rows:"))
        .map(line -> Long.parseLong(line.substring("estimated rows:".length()).strip()))
        .findFirst().orElseThrow(() -> new AssertionError("no estimated rows in:\n" + plan));
  }

  private void assertNothingChanged(String db, Snapshot before, BinlogPosition position) throws SQLException {
    assertThat(BadInputIT.snapshot(server, db)).isEqualTo(before);
    assertThat(BadInputIT.tables(server, db)).noneMatch(name -> name.matches("_.*_(gho|ghc|del)|.*\\$del"));
    // The binary log may only have moved for other schemas (nothing else runs in this JVM while a
    // test runs, but an external server may be shared): no event of the dry run may be in it.
    List<String> ours = eventsSince(position).stream()
        .filter(event -> event.contains(db) || event.contains("_gho") || event.contains("_ghc") || event.contains("$del"))
        .toList();
    assertThat(ours).as("binlog events written by the dry run").isEmpty();
  }

  record BinlogPosition(String file, long position) {
  }

  private BinlogPosition binlogPosition() throws SQLException {
    return binlogPosition(server);
  }

  /**
   * A new MySQL account logs in with caching_sha2_password: until the server has cached its password, the password
   * must go RSA-encrypted, so the driver may fetch the server's key (the harness's own account is cached already).
   */
  private List<String> withKeyRetrievalOnMySql(List<String> args) {
    List<String> all = new java.util.ArrayList<>(args);
    if (server.isMySql()) {
      all.add("--allow-public-key-retrieval");
    }
    return all;
  }

  private static BinlogPosition binlogPosition(MariaDbServer server) throws SQLException {
    try (Connection c = server.connect(null);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(server.isMySql() ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS")) {
      assertThat(rs.next()).as("binary logging is on").isTrue();
      return new BinlogPosition(rs.getString("File"), rs.getLong("Position"));
    }
  }

  /** "type: info" of every binlog event after the position, across rotations. */
  private List<String> eventsSince(BinlogPosition from) throws SQLException {
    List<String> events = new ArrayList<>();
    try (Connection c = server.connect(null); Statement s = c.createStatement()) {
      List<String> files = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SHOW BINARY LOGS")) {
        while (rs.next()) {
          if (rs.getString(1).compareTo(from.file()) >= 0) {
            files.add(rs.getString(1));
          }
        }
      }
      for (String file : files) {
        String sql = "SHOW BINLOG EVENTS IN '" + file + "'"
            + (file.equals(from.file()) ? " FROM " + from.position() : "");
        try (ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            events.add(rs.getString("Event_type") + ": " + rs.getString("Info"));
          }
        }
      }
    }
    return events;
  }

  private static String gtidBinlogPos(MariaDbServer server) throws SQLException {
    try (Connection c = server.connect(null);
        Statement s = c.createStatement();
        // MariaDB's binlog GTID position; MySQL's executed GTID set.
        ResultSet rs = s.executeQuery(server.isMySql() ? "SELECT @@global.gtid_executed" : "SELECT @@gtid_binlog_pos")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String quote(String identifier) {
    return BadInputIT.quote(identifier);
  }
}
