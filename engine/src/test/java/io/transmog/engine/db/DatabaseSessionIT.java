package io.transmog.engine.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.transmog.engine.MigrationException;
import io.transmog.testdb.MariaDbServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.DataTruncation;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the engine's connections (Connector/J with {@link Database#driverProperties}) are like on a real server. */
class DatabaseSessionIT {
  private static final MariaDbServer SERVER = MariaDbServer.shared();

  @Test
  void sessionIsUtcStrictUtf8mb4AndPlainText() throws SQLException {
    try (Connection connection = connect(null)) {
      assertThat(Database.queryString(connection, "SELECT @@session.time_zone")).contains("+00:00");
      // The server's own modes (its zero-date rules included) plus the two the engine needs.
      Set<String> serverModes = modes(Database.queryString(connection, "SELECT @@global.sql_mode").orElseThrow());
      assertThat(modes(Database.queryString(connection, "SELECT @@session.sql_mode").orElseThrow()))
          .containsAll(serverModes).contains("STRICT_ALL_TABLES", "NO_AUTO_VALUE_ON_ZERO");
      assertThat(Database.queryString(connection, "SELECT @@character_set_client")).contains("utf8mb4");
      assertThat(Database.queryString(connection, "SELECT @@character_set_results")).contains("utf8mb4");
      // No TLS unless asked for.
      // (information_schema.SESSION_STATUS is MariaDB's; MySQL moved it to performance_schema.)
      String statusTable = SERVER.isMySql() ? "performance_schema.session_status" : "information_schema.SESSION_STATUS";
      assertThat(Database.queryString(connection,
          "SELECT VARIABLE_VALUE FROM " + statusTable + " WHERE VARIABLE_NAME = 'Ssl_cipher'"))
          .hasValueSatisfying(cipher -> assertThat(cipher).isEmpty());
    }
  }

  private static Set<String> modes(String sqlMode) {
    return Set.of(sqlMode.isEmpty() ? new String[0] : sqlMode.split(","));
  }

  @Test
  void oneStatementPerExecute() throws SQLException {
    try (Connection connection = connect(null); Statement statement = connection.createStatement()) {
      assertThatThrownBy(() -> statement.execute("SELECT 1; SELECT 2"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(1064));
    }
  }

  @Test
  void truncationIsTheServersErrorOrAWarningForTheEngine() throws SQLException {
    String database = SERVER.createDatabase("truncation");
    SERVER.execute(database, "CREATE TABLE w (id INT PRIMARY KEY, v VARCHAR(2))", "INSERT INTO w VALUES (1, 'a')");
    try (Connection connection = connect(database)) {
      try (PreparedStatement insert = connection.prepareStatement("INSERT IGNORE INTO `" + database + "`.w VALUES (?, ?), (?, ?)")) {
        insert.setObject(1, 1L);
        insert.setObject(2, "b");
        insert.setObject(3, 2L);
        insert.setObject(4, "too long");
        assertThat(insert.executeUpdate()).isEqualTo(1);
        SQLWarning warning = insert.getWarnings();
        assertThat(warning.getErrorCode()).isEqualTo(Warnings.DUPLICATE_ENTRY);
        assertThat(warning.getNextWarning().getErrorCode()).isEqualTo(1265);
        assertThatThrownBy(() -> Warnings.requireOnlyDuplicates(insert, "PRIMARY", "copying"))
            .isInstanceOf(MigrationException.class).hasMessageContaining("MySQL warning 1265");
      }
      try (Statement statement = connection.createStatement()) {
        // Connector/J turns the server's error 1406 into a DataTruncation, whatever jdbcCompliantTruncation says;
        // it keeps the server's code and message.
        assertThatThrownBy(() -> statement.executeUpdate("INSERT INTO `" + database + "`.w VALUES (3, 'too long')"))
            .isInstanceOf(DataTruncation.class)
            .hasMessageContaining("Data too long for column 'v'")
            .satisfies(e -> assertThat(((SQLException) e).getErrorCode()).isEqualTo(1406));
        // Rows matched, not rows changed.
        assertThat(statement.executeUpdate("UPDATE `" + database + "`.w SET v = v WHERE id = 1")).isEqualTo(1);
      }
    }
  }

  @Test
  void aWrongPasswordIsNotAConnectionLossAndIsNotEchoed() {
    String wrong = "wrong-" + System.nanoTime();
    // On MySQL a password the server has not cached (a wrong one never is) must go RSA-encrypted: let the driver
    // fetch the key, or the refusal is about the key, not the password (BadInputIT checks that advice).
    Database database = new Database(new ConnectionConfig(SERVER.host(), SERVER.port(), SERVER.user(), wrong, null)
        .withAllowPublicKeyRetrieval(SERVER.isMySql()));
    assertThatThrownBy(database::connect)
        .isInstanceOf(MigrationException.class)
        .isNotInstanceOf(ConnectionLoss.class)
        .hasMessageStartingWith("access denied for user '" + SERVER.user() + "'")
        .satisfies(e -> assertThat(ConnectionLoss.causedBy(e)).isFalse())
        .satisfies(e -> {
          for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(wrong);
          }
        });
  }

  private static Connection connect(String database) {
    return new Database(new ConnectionConfig(SERVER.host(), SERVER.port(), SERVER.user(), SERVER.password(), database))
        .connect();
  }
}
