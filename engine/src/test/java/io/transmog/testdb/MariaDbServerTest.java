package io.transmog.testdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The harness itself, on whichever {@link ServerFlavor} this run selected (see engine/pom.xml). */
@ExtendWith(MariaDbExtension.class)
class MariaDbServerTest {

  @Test
  void serverIsTheSelectedFlavor(MariaDbServer server) {
    if (!server.isExternal()) {
      assertThat(server.flavor()).isEqualTo(ServerFlavor.selected());
    }
    String version = server.queryString(null, "SELECT VERSION()");
    // "mysql-9.7" -> "9.7.", "mariadb-10.11" -> "10.11."
    String series = server.flavor().id().replaceFirst("^[a-z]+-", "") + ".";
    assertThat(version).startsWith(series);
    assertThat(version.contains("MariaDB")).isEqualTo(server.isMariaDb());
    assertThat(server.isMySql()).isEqualTo(server.flavor() == ServerFlavor.MYSQL_9_7);
    System.out.println("MariaDbServerTest: " + server + " reports version " + version);
  }

  @Test
  @RequiresServer(ServerFlavor.MYSQL_9_7)
  void mySqlAccountUsesCachingSha2Password(MariaDbServer server) {
    // MySQL 9 has no mysql_native_password: the engine must log in with caching_sha2_password.
    assertThat(server.queryString(null,
        "SELECT plugin FROM mysql.user WHERE user = '" + server.user() + "' AND host = '%'"))
        .isEqualTo("caching_sha2_password");
  }

  @Test
  void gtidsAreOn(MariaDbServer server) {
    String db = server.createDatabase("gtid");
    server.execute(db, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)");
    if (server.isMySql()) {
      assertThat(server.queryString(null, "SELECT @@gtid_mode")).isEqualTo("ON");
      assertThat(server.queryString(null, "SELECT @@enforce_gtid_consistency")).isEqualTo("ON");
      assertThat(server.queryString(null, "SELECT @@global.gtid_executed")).isNotBlank();
    } else {
      // MariaDB always logs GTIDs; the binlog position names the server's own domain-server-seq.
      assertThat(server.queryString(null, "SELECT @@gtid_binlog_pos"))
          .contains("-" + server.serverId() + "-");
    }
  }

  @Test
  void sharedServerLogsFullRowImages(MariaDbServer server) {
    assertThat(server).isSameAs(MariaDbServer.shared());
    assertThat(server.queryLong(null, "SELECT @@log_bin")).isEqualTo(1);
    assertThat(server.queryLong(null, "SELECT @@binlog_format = 'ROW'")).isEqualTo(1);
    assertThat(server.queryLong(null, "SELECT @@binlog_row_image = 'FULL'")).isEqualTo(1);
    assertThat(server.user()).isNotEqualTo("root");
    assertThat(server.password()).isNotEmpty();
    // Reading the binary log takes BINLOG MONITOR on MariaDB, REPLICATION CLIENT on MySQL.
    String binlogPrivilege = server.isMySql() ? "REPLICATION CLIENT" : "BINLOG MONITOR";
    assertThat(server.queryLong(null,
        "SELECT COUNT(DISTINCT privilege_type) FROM information_schema.user_privileges"
            + " WHERE privilege_type IN"
            + " ('SUPER', 'REPLICATION SLAVE', '" + binlogPrivilege + "', 'RELOAD', 'PROCESS')"
            + " AND is_grantable = 'YES' AND grantee LIKE '''" + server.user() + "''@%'"))
        .isEqualTo(5);
  }

  @Test
  void sequenceTablesWorkOnEveryFlavor(MariaDbServer server) {
    String db = server.createDatabase("seq");
    server.execute(db, "CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, v INT)",
        "INSERT INTO t SELECT seq, seq % 7 FROM seq_0_to_199999",
        "INSERT INTO t SELECT a.seq * 1000000 + b.seq, 0 FROM seq_1_to_3 a JOIN seq_1_to_2 AS b");
    assertThat(server.queryString(db, "SELECT CONCAT(COUNT(*), ' ', MIN(id), ' ', SUM(id < 200000))"
        + " FROM t")).isEqualTo("200006 0 200000");
    assertThat(server.queryLong(db, "SELECT COUNT(*) FROM seq_5_to_5")).isEqualTo(1);
    // Names that merely look alike are left alone.
    assertThat(server.portable("SELECT 'seq_1_to_2x', seq_in_index FROM s"))
        .isEqualTo("SELECT 'seq_1_to_2x', seq_in_index FROM s");
  }

  @Test
  void createdDatabasesAreUniqueAndUsable(MariaDbServer server) {
    String a = server.createDatabase("my-app");
    String b = server.createDatabase("my-app");
    assertThat(a).isNotEqualTo(b).matches("my_app_[a-z0-9_]+");
    server.execute(a, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)");
    assertThat(server.queryLong(a, "SELECT COUNT(*) FROM t")).isEqualTo(2);
  }

  @Test
  void dedicatedServerUsesItsOptions() {
    try (MariaDbServer server =
        MariaDbServer.start(ServerOptions.defaults().withBinlogFormat("STATEMENT"))) {
      assertThat(server.queryLong(null, "SELECT @@binlog_format = 'STATEMENT'")).isEqualTo(1);
    }
  }

  @Test
  void replicaReplicatesRowsWrittenBeforeAndAfterItStarted() {
    try (MariaDbServer primary = MariaDbServer.start(ServerOptions.defaults())) {
      String db = primary.createDatabase("repl");
      primary.execute(db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))",
          "INSERT INTO t VALUES (1, 'before')");
      MariaDbServer replica = primary.startReplica();
      primary.execute(db, "INSERT INTO t VALUES (2, 'after')");
      replica.awaitCaughtUp();

      assertThat(replica.queryLong(db, "SELECT COUNT(*) FROM t WHERE v IN ('before', 'after')"))
          .isEqualTo(2);
      assertThat(replica.serverId()).isNotEqualTo(primary.serverId());
      assertThat(replica.flavor()).isEqualTo(primary.flavor());
      assertThat(replica.queryLong(null,
          replica.isMySql() ? "SELECT @@log_replica_updates" : "SELECT @@log_slave_updates"))
          .isEqualTo(1);
      if (replica.isMySql()) {
        // GTID auto-positioning: the replica executed exactly the primary's transactions.
        String executed = primary.queryString(null, "SELECT @@global.gtid_executed");
        assertThat(replica.queryLong(null, "SELECT GTID_SUBSET('" + executed
            + "', @@global.gtid_executed) AND GTID_SUBSET(@@global.gtid_executed, '" + executed
            + "')")).isEqualTo(1);
      } else {
        assertThat(replica.queryString(null, "SELECT @@gtid_slave_pos")).isNotBlank();
      }
    }
  }

  @Test
  void restartKeepsDataAndPort() {
    try (MariaDbServer server = MariaDbServer.start(ServerOptions.defaults())) {
      String db = server.createDatabase("restart");
      server.execute(db, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (7)");
      int port = server.port();
      server.restart();
      assertThat(server.port()).isEqualTo(port);
      assertThat(server.queryLong(db, "SELECT id FROM t")).isEqualTo(7);
    }
  }

  @Test
  void serversHaveDistinctServerIds(MariaDbServer shared) {
    try (MariaDbServer other = MariaDbServer.start(ServerOptions.defaults())) {
      assertThat(other.serverId()).isNotEqualTo(shared.serverId());
      assertThat(other.queryLong(null, "SELECT @@server_id")).isEqualTo(other.serverId());
      assertThat(shared.queryLong(null, "SELECT @@server_id")).isEqualTo(shared.serverId());
    }
  }

  @Test
  void checksumComparesContentNotLayout(MariaDbServer server) throws Exception {
    String db = server.createDatabase("checksum");
    server.execute(db,
        "CREATE TABLE a (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET utf8mb4,"
            + " at DATETIME(6), amount DECIMAL(10,2), note TEXT, bits BIT(3), ratio FLOAT)",
        "CREATE TABLE b (ratio FLOAT, note TEXT, amount DECIMAL(10,2), id BIGINT PRIMARY KEY,"
            + " at DATETIME(6), bits BIT(3), name VARCHAR(20) CHARACTER SET utf8mb4)",
        "INSERT INTO a VALUES (1, 'Zoë 🙂', '2024-01-02 03:04:05.123456', 1.50, NULL, b'101', 0.1),"
            + " (2, '', '2024-01-02 03:04:05', 0, 'x', NULL, -1.5e30)",
        "INSERT INTO b (id, name, at, amount, note, bits, ratio)"
            + " SELECT id, name, at, amount, note, bits, ratio FROM a");
    try (Connection c = server.connect(db)) {
      TableChecksum a = TableChecksum.of(c, db, "a");
      assertThat(a.rowCount()).isEqualTo(2);
      assertThat(TableChecksum.of(c, db, "b")).isEqualTo(a);

      server.execute(db, "UPDATE b SET at = '2024-01-02 03:04:05.123457' WHERE id = 1");
      assertThat(TableChecksum.of(c, db, "b")).isNotEqualTo(a);
      List<String> columns = List.of("id", "name", "amount", "note");
      assertThat(TableChecksum.of(c, db, "b", columns, List.of("id")))
          .isEqualTo(TableChecksum.of(c, db, "a", columns, List.of("id")));
    }
  }
}
