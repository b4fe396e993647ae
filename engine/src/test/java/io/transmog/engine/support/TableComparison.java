package io.transmog.engine.support;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Row-by-row comparison of two tables through column projections, ordered by key:
 * binary columns byte for byte, everything else as the server renders it.
 */
public final class TableComparison {
    private TableComparison() {
    }

    /** Returns null when equal, else a description of the first difference. {@code orderBy} holds SQL expressions. */
    public static String firstDifference(Connection connection, String database,
                                         String leftTable, List<String> leftColumns,
                                         String rightTable, List<String> rightColumns,
                                         List<String> orderBy) throws SQLException {
        try (Statement left = connection.createStatement(); Statement right = connection.createStatement()) {
            return firstDifference(left, right, database, leftTable, leftColumns, rightTable, rightColumns, orderBy);
        }
    }

    /**
     * As above, over two connections, each result set streamed row by row: for tables too large to hold twice in
     * memory (Connector/J reads a whole result set unless it streams, and one connection streams one at a time).
     */
    public static String firstDifference(Connection leftConnection, Connection rightConnection, String database,
                                         String leftTable, List<String> leftColumns,
                                         String rightTable, List<String> rightColumns,
                                         List<String> orderBy) throws SQLException {
        try (Statement left = leftConnection.createStatement(); Statement right = rightConnection.createStatement()) {
            left.setFetchSize(Integer.MIN_VALUE);
            right.setFetchSize(Integer.MIN_VALUE);
            return firstDifference(left, right, database, leftTable, leftColumns, rightTable, rightColumns, orderBy);
        }
    }

    private static String firstDifference(Statement left, Statement right, String database,
                                          String leftTable, List<String> leftColumns,
                                          String rightTable, List<String> rightColumns,
                                          List<String> orderBy) throws SQLException {
        try (ResultSet l = left.executeQuery(select(database, leftTable, leftColumns, orderBy));
             ResultSet r = right.executeQuery(select(database, rightTable, rightColumns, orderBy))) {
            long row = 0;
            while (true) {
                boolean hasLeft = l.next();
                boolean hasRight = r.next();
                row++;
                if (!hasLeft || !hasRight) {
                    return hasLeft == hasRight ? null
                            : "row " + row + ": " + (hasLeft ? rightTable : leftTable) + " has fewer rows; next row of the other: "
                              + describe(hasLeft ? l : r);
                }
                for (int i = 1; i <= leftColumns.size(); i++) {
                    Object a = value(l, i);
                    Object b = value(r, i);
                    if (!equal(a, b)) {
                        return "row " + row + " column " + leftColumns.get(i - 1) + ": " + leftTable + "=" + render(a)
                                + " " + rightTable + "=" + render(b) + "; left row " + describe(l) + " right row " + describe(r);
                    }
                }
            }
        }
    }

    public static long count(Connection connection, String database, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM `" + database + "`.`" + table + "`")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String select(String database, String table, List<String> columns, List<String> orderBy) {
        return "SELECT " + columns.stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "))
                + " FROM `" + database + "`.`" + table + "` ORDER BY "
                + String.join(", ", orderBy);
    }

    private static Object value(ResultSet rs, int i) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int type = meta.getColumnType(i);
        boolean binary = type == Types.BINARY || type == Types.VARBINARY || type == Types.LONGVARBINARY || type == Types.BLOB;
        return binary ? rs.getBytes(i) : rs.getString(i);
    }

    private static boolean equal(Object a, Object b) {
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        return Objects.equals(a, b);
    }

    private static String render(Object value) {
        return value instanceof byte[] bytes ? "0x" + HexFormat.of().formatHex(bytes) : String.valueOf(value);
    }

    private static String describe(ResultSet rs) throws SQLException {
        StringBuilder out = new StringBuilder("(");
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            out.append(i > 1 ? ", " : "").append(render(value(rs, i)));
        }
        return out.append(')').toString();
    }
}
