package io.transmog.engine.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DatabaseTest {
  private static final ConnectionConfig CONFIG = new ConnectionConfig("db1", 3307, "migrator", "s3cret", "shop");

  @Test
  void credentialsTravelAsPropertiesNeverInTheUrl() {
    assertThat(Database.url(CONFIG)).isEqualTo("jdbc:mysql://db1:3307/");
    assertThat(Database.url(new ConnectionConfig("::1", 3306, "u", "p", "d"))).isEqualTo("jdbc:mysql://[::1]:3306/");
    Properties properties = Database.driverProperties(CONFIG);
    assertThat(properties.getProperty("user")).isEqualTo("migrator");
    assertThat(properties.getProperty("password")).isEqualTo("s3cret");
    assertThat(CONFIG.toString()).doesNotContain("s3cret");
  }

  @Test
  void noTlsAndNoKeyFetchingUnlessAskedFor() {
    Properties properties = Database.driverProperties(CONFIG);
    assertThat(properties.getProperty("sslMode")).isEqualTo("DISABLED");
    assertThat(properties.getProperty("allowPublicKeyRetrieval")).isEqualTo("false");

    ConnectionConfig allowing = CONFIG.withAllowPublicKeyRetrieval(true);
    assertThat(Database.driverProperties(allowing).getProperty("allowPublicKeyRetrieval")).isEqualTo("true");
    // Replicas log in the same way as the primary.
    assertThat(allowing.withHost("replica", 3306).allowPublicKeyRetrieval()).isTrue();
  }

  @Test
  void valuesTravelAsTextInTheServersOwnForm() {
    Properties properties = Database.driverProperties(CONFIG);
    assertThat(properties).containsEntry("allowMultiQueries", "false")
        .containsEntry("useServerPrepStmts", "false")
        .containsEntry("characterEncoding", "UTF-8")
        .containsEntry("characterSetResults", "UTF-8")
        .containsEntry("connectionTimeZone", "UTC")
        .containsEntry("forceConnectionTimeZoneToSession", "false")
        .containsEntry("zeroDateTimeBehavior", "EXCEPTION")
        .containsEntry("tinyInt1isBit", "false")
        .containsEntry("yearIsDateType", "false")
        .containsEntry("jdbcCompliantTruncation", "false")
        .containsEntry("netTimeoutForStreamingResults", "0");
  }

  @Test
  void aServerThatWantsItsKeyFetchedGetsAnAnswerSayingWhatToDo() {
    String message = Database.describeConnectFailure(CONFIG,
        new SQLNonTransientConnectionException("Public Key Retrieval is not allowed", "08001"));
    assertThat(message).startsWith("cannot log in to MySQL at db1:3307 as 'migrator'")
        .contains("--ssl").contains("--allow-public-key-retrieval");
    assertThat(Database.describeConnectFailure(CONFIG, new SQLException(
        "RSA public key is not available client side (option serverRsaPublicKeyFile not set)", "S1009")))
        .contains("--allow-public-key-retrieval");
  }

  @Test
  void aWrongPasswordIsNamedAsSuch() {
    assertThat(Database.describeConnectFailure(CONFIG,
        new SQLException("Access denied for user 'migrator'@'10.0.0.1' (using password: YES)", "28000", 1045)))
        .isEqualTo("access denied for user 'migrator' at db1:3307: check the user name and password, and whether the"
            + " account requires TLS or a client certificate (--ssl, --ssl-cert, --ssl-key)");
  }
}
