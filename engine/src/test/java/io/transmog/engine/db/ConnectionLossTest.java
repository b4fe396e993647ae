package io.transmog.engine.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysql.cj.jdbc.exceptions.CommunicationsException;
import com.mysql.cj.jdbc.exceptions.MySQLTimeoutException;
import io.transmog.engine.MigrationException;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import org.junit.jupiter.api.Test;

class ConnectionLossTest {
  private static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime()) + "-secret";

  @Test
  void aRefusedConnectIsConnectionLossAndSaysWhy() throws IOException {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    Database database = new Database(new ConnectionConfig("127.0.0.1", closedPort, "migrator", PASSWORD, "shop"));

    assertThatThrownBy(database::connect)
        .isInstanceOf(ConnectionLoss.class)
        .hasMessageStartingWith("cannot connect to MySQL at 127.0.0.1:" + closedPort + " as 'migrator': ")
        .hasMessageContaining("Connection refused")
        .hasMessageNotContaining("\n")
        .satisfies(e -> assertThat(ConnectionLoss.causedBy(e)).isTrue())
        .satisfies(e -> assertThat(fullTrace(e)).doesNotContain(PASSWORD));
  }

  @Test
  void aServerThatHangsUpDuringTheHandshakeIsConnectionLoss() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread hangUp = new Thread(() -> {
        try (Socket client = server.accept()) {
          // closed at once, before the server greeting
        } catch (IOException ignored) {
          // the test fails on its own assertions
        }
      });
      hangUp.start();
      Database database = new Database(
          new ConnectionConfig("127.0.0.1", server.getLocalPort(), "migrator", PASSWORD, "shop"));

      assertThatThrownBy(database::connect)
          .isInstanceOf(ConnectionLoss.class)
          .satisfies(e -> assertThat(e.getCause()).isInstanceOf(CommunicationsException.class))
          .satisfies(e -> assertThat(fullTrace(e)).doesNotContain(PASSWORD));
      hangUp.join(5000);
    }
  }

  @Test
  void connectorJsLostConnectionsAreConnectionLoss() {
    // A connection that dropped mid-query: SQLState 08S01, the socket's exception as its cause.
    assertThat(ConnectionLoss.causedBy(new CommunicationsException("Communications link failure",
        new EOFException("Can not read response from server.")))).isTrue();
    // A connection used after the driver closed it.
    assertThat(ConnectionLoss.causedBy(
        new SQLNonTransientConnectionException("No operations allowed after connection closed.", "08003")))
        .isTrue();
    // MySQL 8.0.24+ tells an idle connection it is being closed.
    assertThat(ConnectionLoss.causedBy(new SQLException(
        "The client was disconnected by the server because of inactivity.", "HY000", 4031))).isTrue();
    assertThat(ConnectionLoss.causedBy(new ConnectException("Connection refused"))).isTrue();
  }

  @Test
  void aLossDeepInTheCauseChainCounts() {
    Exception streamed = new MigrationException("binlog stream stopped",
        new IllegalStateException("reader failed", new EOFException("end of stream")));
    assertThat(ConnectionLoss.causedBy(streamed)).isTrue();
    assertThat(ConnectionLoss.causedBy(new MigrationException("cut-over failed 3 times",
        new ConnectionLoss("cannot connect to MySQL at db:3306", null)))).isTrue();
  }

  @Test
  void refusedLoginsTimeoutsAndSqlErrorsAreNot() {
    // Connector/J's access denied is a plain SQLException.
    assertThat(ConnectionLoss.causedBy(
        new SQLException("Access denied for user 'u'@'localhost' (using password: YES)", "28000", 1045))).isFalse();
    assertThat(ConnectionLoss.causedBy(new SQLException("Host is not allowed to connect", "HY000", 1130))).isFalse();
    // caching_sha2_password without TLS: a connection-class exception, but retrying cannot help.
    SQLException noKey = new SQLNonTransientConnectionException("Public Key Retrieval is not allowed", "08001");
    assertThat(ConnectionLoss.causedBy(noKey)).isFalse();
    assertThat(ConnectionLoss.causedBy(new MigrationException("cannot log in", noKey))).isFalse();
    assertThat(ConnectionLoss.causedBy(new SQLException(
        "RSA public key is not available client side (option serverRsaPublicKeyFile not set)", "S1009"))).isFalse();
    // Statement.setQueryTimeout: the driver killed the query, the connection is fine.
    assertThat(ConnectionLoss.causedBy(new MySQLTimeoutException())).isFalse();
    assertThat(ConnectionLoss.causedBy(new SQLSyntaxErrorException("Duplicate column name", "42S21", 1060)))
        .isFalse();
    assertThat(ConnectionLoss.causedBy(new MigrationException("table `shop`.`t` does not exist"))).isFalse();
    assertThat(ConnectionLoss.causedBy(null)).isFalse();
  }

  private static String fullTrace(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
