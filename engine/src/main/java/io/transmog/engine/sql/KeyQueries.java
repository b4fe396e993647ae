package io.transmog.engine.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs the key-returning statements of {@link SqlBuilder} and reads their row as a {@link KeyTuple}. */
public final class KeyQueries {
    private KeyQueries() {
    }

    public static Optional<KeyTuple> first(Connection connection, String sql, List<KeyColumn> key) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rs.next() ? Optional.of(read(rs, key)) : Optional.empty();
        }
    }

    public static Optional<KeyTuple> first(Connection connection, BoundStatement bound, List<KeyColumn> key) throws SQLException {
        try (PreparedStatement statement = bound.prepare(connection); ResultSet rs = statement.executeQuery()) {
            return rs.next() ? Optional.of(read(rs, key)) : Optional.empty();
        }
    }

    public static KeyTuple read(ResultSet rs, List<KeyColumn> key) throws SQLException {
        return read(rs, key, 0);
    }

    /** The key in the columns after the first {@code before} of the current row. */
    public static KeyTuple read(ResultSet rs, List<KeyColumn> key, int before) throws SQLException {
        List<Object> values = new ArrayList<>(key.size());
        for (int i = 0; i < key.size(); i++) {
            values.add(key.get(i).read(rs, before + i + 1));
        }
        return new KeyTuple(values);
    }
}
