package io.transmog.engine.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.transmog.engine.MigrationException;
import java.io.EOFException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLSyntaxErrorException;
import org.junit.jupiter.api.Test;

class ConnectionLossTest {

  @Test
  void refusedOrDroppedConnectionsAreConnectionLoss() {
    // What MariaDB Connector/J throws for a refused connect and for a connection that dropped mid-query.
    assertThat(ConnectionLoss.causedBy(new SQLNonTransientConnectionException("Socket fail to connect", "08000")))
        .isTrue();
    assertThat(ConnectionLoss.causedBy(new SQLException("Connection is closed", "08000", 1220))).isTrue();
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
  void wrongCredentialsAndSqlErrorsAreNot() {
    assertThat(ConnectionLoss.causedBy(new SQLNonTransientConnectionException("Access denied", "28000", 1045)))
        .isFalse();
    assertThat(ConnectionLoss.causedBy(new SQLException("Host is not allowed to connect", "HY000", 1130))).isFalse();
    assertThat(ConnectionLoss.causedBy(new SQLSyntaxErrorException("Duplicate column name", "42S21", 1060)))
        .isFalse();
    assertThat(ConnectionLoss.causedBy(new MigrationException("table `shop`.`t` does not exist"))).isFalse();
    assertThat(ConnectionLoss.causedBy(null)).isFalse();
  }
}
