package io.transmog.engine.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.transmog.engine.MigrationException;
import org.junit.jupiter.api.Test;

class ServerKindTest {

  @Test
  void readsTheVersionStringsOfBothProducts() {
    ServerKind mariaDb = ServerKind.parse("10.11.6-MariaDB-0+deb12u1-log");
    assertThat(mariaDb.isMariaDb()).isTrue();
    assertThat(mariaDb.describe()).isEqualTo("MariaDB 10.11.6");
    ServerKind mySql = ServerKind.parse("9.7.4");
    assertThat(mySql.isMySql()).isTrue();
    assertThat(mySql.describe()).isEqualTo("MySQL 9.7.4");
    // MariaDB's handshake may carry a 5.5.5- prefix for old clients.
    assertThat(ServerKind.parse("5.5.5-10.11.6-MariaDB-0+deb12u1").describe()).isEqualTo("MariaDB 10.11.6");
    assertThatThrownBy(() -> ServerKind.parse("unknown")).isInstanceOf(MigrationException.class);
  }

  @Test
  void featuresFollowProductAndRelease() {
    assertThat(ServerKind.parse("8.0.12").renamesUnderLockTables()).isFalse();
    assertThat(ServerKind.parse("8.0.13").renamesUnderLockTables()).isTrue();
    assertThat(ServerKind.parse("9.7.4").renamesUnderLockTables()).isTrue();
    assertThat(ServerKind.parse("11.8.9-MariaDB").renamesUnderLockTables()).isFalse();
    assertThat(ServerKind.parse("8.1.0").hasBinaryLogStatus()).isFalse();
    assertThat(ServerKind.parse("8.4.3").hasBinaryLogStatus()).isTrue();
    assertThat(ServerKind.parse("11.8.9-MariaDB").hasBinaryLogStatus()).isFalse();
    assertThat(ServerKind.parse("8.0.1").hasForShare()).isTrue();
    assertThat(ServerKind.parse("10.11.6-MariaDB").hasForShare()).isFalse();
  }
}
