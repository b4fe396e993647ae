package io.transmog.testdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A table's content as row count plus SHA-256 over its rows in key order, for comparing a table
 * with its migrated copy. Unlike CHECKSUM TABLE it depends only on the chosen columns' values, not
 * on column order, types or storage. Values are compared as the server renders them over the text
 * protocol (strings and binaries as their exact bytes, everything else as its text), so INT vs
 * BIGINT or a reordered column still compare equal, while any changed byte of a string does not.
 */
public record TableChecksum(long rowCount, String sha256) {

  /** All columns (by name, alphabetically), rows ordered by the primary key. */
  public static TableChecksum of(Connection c, String database, String table) {
    return of(c, database, table, null, null);
  }

  /**
   * @param columns columns to hash, in this order; null or empty means all, alphabetically
   * @param orderBy columns to order rows by; null or empty means the primary key, or all hashed
   *     columns if there is none
   */
  public static TableChecksum of(
      Connection c, String database, String table, List<String> columns, List<String> orderBy) {
    try {
      List<String> hashed =
          columns == null || columns.isEmpty()
              ? metadata(c, "SELECT column_name FROM information_schema.columns"
                  + " WHERE table_schema = ? AND table_name = ? ORDER BY column_name",
                  database, table)
              : columns;
      if (hashed.isEmpty()) {
        throw new IllegalArgumentException("no table " + database + "." + table);
      }
      List<String> order =
          orderBy == null || orderBy.isEmpty() ? primaryKey(c, database, table) : orderBy;
      if (order.isEmpty()) {
        order = hashed;
      }
      String sql = "SELECT " + quoteAll(hashed) + " FROM " + quote(database) + "." + quote(table)
          + " ORDER BY " + quoteAll(order);
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      long rows = 0;
      // A plain Statement uses the text protocol: every value arrives as the server renders it.
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        boolean[] asBytes = new boolean[hashed.size() + 1];
        for (int i = 1; i <= hashed.size(); i++) {
          asBytes[i] = isStringOrBinary(rs.getMetaData().getColumnType(i));
        }
        while (rs.next()) {
          rows++;
          for (int i = 1; i <= hashed.size(); i++) {
            byte[] value = asBytes[i] ? rs.getBytes(i) : utf8(rs.getString(i));
            // Length-prefixed with a NULL marker, so ("ab","c") differs from ("a","bc") and NULL
            // from an empty string.
            if (value == null) {
              digest.update((byte) 0);
            } else {
              digest.update((byte) 1);
              digest.update(ByteBuffer.allocate(4).putInt(value.length).array());
              digest.update(value);
            }
          }
        }
      }
      return new TableChecksum(rows, HexFormat.of().formatHex(digest.digest()));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot checksum " + database + "." + table, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The driver refuses getBytes() on numbers and temporals; their text is exact anyway. */
  private static boolean isStringOrBinary(int sqlType) {
    return switch (sqlType) {
      case Types.CHAR, Types.VARCHAR, Types.LONGVARCHAR, Types.NCHAR, Types.NVARCHAR,
          Types.LONGNVARCHAR, Types.CLOB, Types.NCLOB, Types.BINARY, Types.VARBINARY,
          Types.LONGVARBINARY, Types.BLOB -> true;
      default -> false;
    };
  }

  private static byte[] utf8(String value) {
    return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> primaryKey(Connection c, String database, String table)
      throws SQLException {
    return metadata(c, "SELECT column_name FROM information_schema.statistics"
        + " WHERE table_schema = ? AND table_name = ? AND index_name = 'PRIMARY'"
        + " ORDER BY seq_in_index", database, table);
  }

  private static List<String> metadata(Connection c, String sql, String database, String table)
      throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, database);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    return names;
  }

  private static String quoteAll(List<String> names) {
    return names.stream().map(TableChecksum::quote).collect(Collectors.joining(", "));
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
