package io.transmog.engine.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.transmog.engine.db.ConnectionConfig;
import io.transmog.engine.db.Database;
import io.transmog.engine.inspect.ColumnInfo;
import io.transmog.testdb.MariaDbServer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Key values of every kind, read through the engine's own connections (Connector/J with the settings of
 * {@link Database}) the way chunk boundaries are read, and bound back: each must come back as the value the
 * server holds, zero dates, TIME beyond 24 hours, BIT(64), YEAR 0000 and BIGINT UNSIGNED included, and match
 * its own row again. The JVM runs in a zone other than UTC meanwhile, so a shift by the JVM's zone shows.
 */
class KeyColumnDecodingIT {
  private static final MariaDbServer SERVER = MariaDbServer.shared();
  private static final TimeZone JVM_ZONE = TimeZone.getDefault();
  private static String database;

  @BeforeAll
  static void createTable() {
    TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
    database = SERVER.createDatabase("key_decoding");
    SERVER.execute(database,
        "SET SESSION sql_mode = '', time_zone = '+00:00'",
        "CREATE TABLE k (id INT NOT NULL PRIMARY KEY, ti1 TINYINT(1), bu BIGINT UNSIGNED, bs BIGINT,"
            + " b12 BIT(12), b64 BIT(64), y YEAR, dec1 DECIMAL(30,10), dbl DOUBLE,"
            + " d DATE, dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME, tm6 TIME(6),"
            + " bin BINARY(4), vb VARBINARY(8), c VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,"
            + " l1 VARCHAR(10) CHARACTER SET latin1, e ENUM('a','b','c'), st SET('x','y','z'))",
        "INSERT INTO k VALUES (1, 5, 18446744073709551615, -9223372036854775808, b'101010101010',"
            + " b'1111111111111111111111111111111111111111111111111111111111111111', 0, 12345678901234567890.0123456789,"
            + " 0.1, '0000-00-00', '0000-00-00 00:00:00', '2020-00-15 00:00:00.000000', '1970-01-01 00:00:01.500',"
            + " '-838:59:59', '-00:00:01.500000', 0x61000000, 0x00ff, _utf8mb4 0xf09f9880c3a9, _latin1 0xe9, 'b', 'x,z')",
        "INSERT INTO k VALUES (2, -1, 9223372036854775808, 0, b'0', b'0', 2155, -0.0000000001,"
            + " 1.7976931348623157e308, '2020-00-15', '2020-02-00 10:00:00', '2024-03-10 02:30:00.000001',"
            + " '2038-01-19 03:14:07.999', '838:59:59', '25:00:00.000001', 0x00000000, '', '', '', '', '')");
  }

  @AfterAll
  static void restoreZone() {
    TimeZone.setDefault(JVM_ZONE);
  }

  @Test
  void everyKindReadsAsTheServerHoldsIt() throws SQLException {
    Map<String, Object> first = new LinkedHashMap<>();
    first.put("ti1", 5L);
    first.put("bu", new BigInteger("18446744073709551615"));
    first.put("bs", Long.MIN_VALUE);
    first.put("b12", 2730L);
    first.put("b64", new BigInteger("18446744073709551615"));
    first.put("y", 0);
    first.put("dec1", new BigDecimal("12345678901234567890.0123456789"));
    first.put("dbl", 0.1);
    first.put("d", "0000-00-00");
    first.put("dt", "0000-00-00 00:00:00");
    first.put("dt6", "2020-00-15 00:00:00");
    first.put("ts", "1970-01-01 00:00:01.500");
    first.put("tm", "-838:59:59");
    first.put("tm6", "-00:00:01.500000");
    first.put("bin", bytes("61000000"));
    first.put("vb", bytes("00ff"));
    first.put("c", bytes("f09f9880c3a9"));
    first.put("l1", bytes("e9"));
    first.put("e", 2L);
    first.put("st", 5L);

    Map<String, Object> second = new LinkedHashMap<>();
    second.put("ti1", -1L);
    second.put("bu", new BigInteger("9223372036854775808"));
    second.put("bs", 0L);
    second.put("b12", 0L);
    second.put("b64", 0L);
    second.put("y", 2155);
    second.put("dec1", new BigDecimal("-0.0000000001"));
    second.put("dbl", 1.7976931348623157e308);
    second.put("d", "2020-00-15");
    second.put("dt", "2020-02-00 10:00:00");
    second.put("dt6", "2024-03-10 02:30:00.000001");
    second.put("ts", "2038-01-19 03:14:07.999");
    second.put("tm", "838:59:59");
    second.put("tm6", "25:00:00.000001");
    second.put("bin", bytes("00000000"));
    second.put("vb", bytes(""));
    second.put("c", bytes(""));
    second.put("l1", bytes(""));
    second.put("e", 0L);
    second.put("st", 0L);

    try (Connection connection = connect()) {
      for (Map.Entry<Integer, Map<String, Object>> row : Map.of(1, first, 2, second).entrySet()) {
        for (Map.Entry<String, Object> expected : row.getValue().entrySet()) {
          KeyColumn column = column(connection, expected.getKey());
          Object value = readBoundary(connection, column, row.getKey());
          String what = "k." + expected.getKey() + " of row " + row.getKey();
          if (expected.getValue() instanceof BigDecimal decimal) {
            assertThat((BigDecimal) value).as(what).isEqualByComparingTo(decimal);
          } else {
            assertThat(value).as(what).isEqualTo(expected.getValue());
          }
          assertThat(matchingRows(connection, column, row.getKey(), value)).as(what + " bound back").isEqualTo(1);
        }
      }
    }
  }

  @Test
  void dateObjectsKeepTheInstantAndRefuseZeroDates() throws SQLException {
    try (Connection connection = connect(); Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT ts, d FROM " + table() + " ORDER BY id")) {
      rs.next();
      // The session is +00:00 and the driver knows it: the instant holds whatever the JVM's zone.
      assertThat(rs.getTimestamp(1).toInstant()).isEqualTo(Instant.parse("1970-01-01T00:00:01.500Z"));
      // A zero date is no date: an error, never NULL or 0001-01-01.
      assertThatThrownBy(() -> rs.getDate(2)).isInstanceOf(SQLException.class);
    }
  }

  private static Object readBoundary(Connection connection, KeyColumn column, int id) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT " + column.boundarySelect() + " FROM " + table() + " WHERE id = " + id)) {
      assertThat(rs.next()).isTrue();
      return column.read(rs, 1);
    }
  }

  private static int matchingRows(Connection connection, KeyColumn column, int id, Object value) throws SQLException {
    String sql = "SELECT COUNT(*) FROM " + table() + " WHERE id = ? AND " + Identifiers.quote(column.original().name()) + " = "
        + column.originalPlaceholder();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setInt(1, id);
      column.bind(statement, 2, value, false);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static KeyColumn column(Connection connection, String name) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE,"
        + " CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'k' AND COLUMN_NAME = ?")) {
      statement.setString(1, database);
      statement.setString(2, name);
      try (ResultSet rs = statement.executeQuery()) {
        assertThat(rs.next()).as("column " + name).isTrue();
        ColumnInfo info = new ColumnInfo(name, rs.getInt(1), rs.getString(2).toLowerCase(), rs.getString(3),
            rs.getString(4), rs.getString(5), true, false);
        return new KeyColumn(info, info);
      }
    }
  }

  /** The engine's connections have no default schema: every name is qualified. */
  private static String table() {
    return Identifiers.quote(database) + ".`k`";
  }

  private static KeyColumn.Bytes bytes(String hex) {
    return new KeyColumn.Bytes(HexFormat.of().parseHex(hex));
  }

  /** The keys hold zero dates: on a server whose sql_mode forbids them (MySQL's default) a user passes --allow-zero-in-date. */
  private static Connection connect() {
    return new Database(new ConnectionConfig(SERVER.host(), SERVER.port(), SERVER.user(), SERVER.password(), database), true)
        .connect();
  }
}
